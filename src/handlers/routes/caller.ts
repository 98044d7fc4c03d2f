import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { Context } from 'hono'
import { middleware } from './middleware.ts'
import { ForbiddenError, UnauthorizedError } from '../../core/domain/errors.ts'
import type { IdentityClient, IdentityUser } from '../../core/domain/identity.ts'
import type { LoggedEnv } from './request-log.ts'

/** Who is asking for invites, as a log may name them: never the key, never the token. */
export type InviteCaller = { kind: 'key'; id: string } | { kind: 'user'; id: string; user: IdentityUser }

export interface IdentifyOptions {
  apiKeys: string[]
  /** Asks identity who a token belongs to (GET /user); null when identity refuses the token. */
  getUser: (accessToken: string) => Promise<IdentityUser | null>
  /** IDENTITY_JWT_SECRET: identity's own HS256 secret; when known, a token it did not sign is refused here. */
  jwtSecret?: string | undefined
  now?: () => number
}

const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i
// Three base64url segments: only a token shaped like this is worth a round trip to identity.
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/

function callerLabel(caller: InviteCaller): string {
  return `${caller.kind}:${caller.id}`
}

/** `key:<id>` in logs: the first 8 hex of the key's SHA-256, enough to tell keys apart while rotating. */
function apiKeyId(key: string): string {
  return sha256(key).toString('hex').slice(0, 8)
}

/**
 * Two ways in, both checked for real: one of INVITE_API_KEYS, or a site user's
 * Identity token that identity itself accepts (GET /user). Throws 401;
 * whether that user may invite is assertMayInvite's question.
 */
export async function identifyCaller(authorization: string | undefined, options: IdentifyOptions): Promise<InviteCaller> {
  const token = BEARER.exec(authorization ?? '')?.[1]
  if (!token) {
    throw new UnauthorizedError('Send Authorization: Bearer <an INVITE_API_KEYS key, or a site admin\'s Identity access token>')
  }
  const key = matchingKey(token, options.apiKeys)
  if (key !== undefined) return { kind: 'key', id: apiKeyId(key) }

  if (!JWT_SHAPE.test(token)) {
    throw new UnauthorizedError(
      options.apiKeys.length ? 'Invalid API key or token' : 'API keys are off (INVITE_API_KEYS is not set): use a site admin\'s Identity access token',
      { invalidToken: true },
    )
  }
  // A cheap look before the round trip: a token that is not even a live user
  // token on its face must not cost identity a request (that would let anyone
  // flood the identity server the webhooks depend on). Identity still decides.
  if (!liveOnItsFace(token, (options.now ?? Date.now)(), options.jwtSecret)) {
    throw new UnauthorizedError('This is not a live site user\'s Identity token', { invalidToken: true })
  }
  const user = await options.getUser(token)
  if (!user) throw new UnauthorizedError('Identity did not accept this token (expired, revoked, or not from this site)', { invalidToken: true })
  return { kind: 'user', id: user.id, user }
}

/** A key may always invite; a user only with the admin role, as identity reports it now rather than as the token claims. */
function assertMayInvite(caller: InviteCaller, adminRole: string): void {
  if (caller.kind === 'user' && !hasRole(caller.user, adminRole)) {
    throw new ForbiddenError(`This user may not invite: the role "${adminRole}" is not in their app_metadata.roles`)
  }
}

/** Netlify keeps site roles in app_metadata.roles; GoTrue's top-level `role` is something else and does not count. */
function hasRole(user: IdentityUser, role: string): boolean {
  const roles = user.app_metadata?.roles
  return Array.isArray(roles) && roles.some((candidate) => candidate === role)
}

/**
 * Compares digests, not the strings, so neither a key's length nor how much of
 * it matched shows in the timing; every key is compared, match or not.
 */
export function matchingKey(token: string, keys: readonly string[]): string | undefined {
  const presented = sha256(token)
  let found: string | undefined
  for (const key of keys) {
    if (timingSafeEqual(presented, sha256(key)) && found === undefined) found = key
  }
  return found
}

/**
 * GoTrue signs every access token HS256 with an `exp` (JWT_EXP, an hour by
 * default) and a user's id as `sub` ("0" is the admin token Netlify hands a
 * function). Anything else cannot be live. Without the secret the signature
 * stays identity's to judge; with it, a forgery stops here.
 */
function liveOnItsFace(token: string, nowMs: number, jwtSecret: string | undefined): boolean {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const claims = decodeSegment(payload)
  if (!claims || typeof claims.sub !== 'string' || claims.sub === '0') return false
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return false
  return jwtSecret === undefined || signedWith(jwtSecret, header, payload, signature)
}

/** HS256 only, as GoTrue signs: accepting the header's word for another alg is the classic JWT forgery. */
function signedWith(secret: string, header: string, payload: string, signature: string): boolean {
  if (decodeSegment(header)?.alg !== 'HS256') return false
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest()
  const presented = Buffer.from(signature, 'base64url')
  return presented.length === expected.length && timingSafeEqual(presented, expected)
}

/** A JWT segment's JSON object, NOT verified: only to skip asking identity about tokens that cannot be valid. */
function decodeSegment(segment: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

export type InviterEnv = LoggedEnv & { Variables: { caller: InviteCaller } }

export interface RequireInviterOptions {
  apiKeys: string[]
  adminRole: string
  /** IDENTITY_JWT_SECRET, when set: tokens identity did not sign are refused without asking it. */
  jwtSecret: string | undefined
  /** The identity client for this request (asked who a token belongs to). */
  identity: (c: Context) => IdentityClient
  now: () => number
}

/**
 * The guard of routes that invite: 401 without proof, 403 for a user without
 * the admin role; otherwise the caller is on the context (`c.get('caller')`)
 * and in the request's log line, as Hono's bearerAuth guards a route.
 */
export function requireInviter(options: RequireInviterOptions) {
  return middleware<InviterEnv>(async function requireInviter(c, next) {
    const caller = await identifyCaller(c.req.header('authorization'), {
      now: options.now,
      apiKeys: options.apiKeys,
      jwtSecret: options.jwtSecret,
      getUser: (token) => options.identity(c).getUser(token),
    })
    c.get('logFields').caller = callerLabel(caller)
    assertMayInvite(caller, options.adminRole)
    c.set('caller', caller)
    await next()
  })
}

import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { ForbiddenError, UnauthorizedError } from '../../core/domain/errors.ts'
import type { IdentityClient, IdentityUser } from '../../core/domain/identity.ts'
import type { LoggedEnv } from './request-log.ts'

/** Who is asking for invites, as a log may name them: never the key, never the token. */
export type InviteCaller = { kind: 'key'; id: string } | { kind: 'user'; id: string; user: IdentityUser }

export interface IdentifyOptions {
  apiKeys: string[]
  /** Asks identity who a token belongs to (GET /user); null when identity refuses the token. */
  getUser: (accessToken: string) => Promise<IdentityUser | null>
  now?: () => number
}

const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i
// Three base64url segments: only a token shaped like this is worth a round trip to identity.
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/

export function callerLabel(caller: InviteCaller): string {
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
  const claims = unverifiedClaims(token)
  if (!claims || typeof claims.sub !== 'string' || claims.sub === '0' || (typeof claims.exp === 'number' && claims.exp * 1000 <= (options.now ?? Date.now)())) {
    throw new UnauthorizedError('This is not a live site user\'s Identity token', { invalidToken: true })
  }
  const user = await options.getUser(token)
  if (!user) throw new UnauthorizedError('Identity did not accept this token (expired, revoked, or not from this site)', { invalidToken: true })
  return { kind: 'user', id: user.id, user }
}

/** A key may always invite; a user only with the admin role, as identity reports it now rather than as the token claims. */
export function assertMayInvite(caller: InviteCaller, adminRole: string): void {
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
function matchingKey(token: string, keys: string[]): string | undefined {
  const presented = sha256(token)
  let found: string | undefined
  for (const key of keys) {
    if (timingSafeEqual(presented, sha256(key)) && found === undefined) found = key
  }
  return found
}

/** The JWT's payload, NOT verified: only to skip asking identity about tokens that cannot be valid. */
function unverifiedClaims(token: string): { sub?: unknown; exp?: unknown } | null {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as unknown
    return payload !== null && typeof payload === 'object' ? (payload as { sub?: unknown; exp?: unknown }) : null
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
  return createMiddleware<InviterEnv>(async function requireInviter(c, next) {
    const caller = await identifyCaller(c.req.header('authorization'), {
      now: options.now,
      apiKeys: options.apiKeys,
      getUser: (token) => options.identity(c).getUser(token),
    })
    c.get('logFields').caller = callerLabel(caller)
    assertMayInvite(caller, options.adminRole)
    c.set('caller', caller)
    await next()
  })
}

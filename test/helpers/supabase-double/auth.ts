import { createHmac, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { signHs256 } from '../../../src/core/clients/hs256.ts'
import { GatewayError, SupabaseAuthError } from './errors.ts'

/** A project's keys, shaped like the legacy JWT keys: HS256 with `role` anon or service_role. */
export interface ProjectKeys {
  anonKey: string
  serviceRoleKey: string
  /** A user's access token, as Auth issues it after a sign-in. */
  accessToken(user: { id: string; email: string }): string
  /** The claims of a token signed with the project's secret, or 403 bad_jwt. */
  verify(token: string): Record<string, unknown>
}

export function projectKeys(jwtSecret: string, now: () => number): ProjectKeys {
  const seconds = () => Math.floor(now() / 1000)
  const key = (role: string) => signHs256({ iss: 'supabase-double', role, iat: seconds(), exp: seconds() + 10 * 365 * 86400 }, jwtSecret)
  return {
    anonKey: key('anon'),
    serviceRoleKey: key('service_role'),
    accessToken: (user) =>
      signHs256({ sub: user.id, email: user.email, aud: 'authenticated', role: 'authenticated', iat: seconds(), exp: seconds() + 3600 }, jwtSecret),
    verify(token) {
      const reason = (why: string) => new SupabaseAuthError(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${why}`)
      const [header, payload, signature, ...rest] = token.split('.')
      if (!header || !payload || signature === undefined || rest.length > 0) throw reason('token is malformed: token contains an invalid number of segments')
      const expected = createHmac('sha256', jwtSecret).update(`${header}.${payload}`).digest()
      const given = Buffer.from(signature, 'base64url')
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw reason('token signature is invalid: signature is invalid')
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
      if (typeof claims.exp === 'number' && claims.exp < seconds()) throw reason('token has invalid claims: token is expired')
      return claims
    },
  }
}

/** The gateway's check: every request carries a key of this project in `apikey`. */
export function requireApiKey(keys: ProjectKeys): MiddlewareHandler {
  return async function requireApiKey(c, next) {
    const apikey = c.req.header('apikey')
    if (!apikey) throw new GatewayError('No API key found in request')
    if (apikey !== keys.anonKey && apikey !== keys.serviceRoleKey) throw new GatewayError('Invalid API key')
    await next()
  }
}

const BEARER = /^\s*bearer\s+(\S+)\s*$/i

/** auth.go extractBearerToken. */
export function bearerToken(header: string | undefined): string {
  const token = BEARER.exec(header ?? '')?.[1]
  if (!token) throw new SupabaseAuthError(401, 'no_authorization', 'This endpoint requires a valid Bearer token')
  return token
}

/** middleware.go requireAdminCredentials + auth.go requireAdmin: the token's role must be an admin role. */
export function requireAdminCredentials(keys: ProjectKeys): MiddlewareHandler {
  return async function requireAdminCredentials(c, next) {
    const claims = keys.verify(bearerToken(c.req.header('authorization')))
    if (claims.role !== 'service_role' && claims.role !== 'supabase_admin') throw new SupabaseAuthError(403, 'not_admin', 'User not allowed')
    await next()
  }
}

import { randomBytes } from 'node:crypto'
import { SignJWT, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose'

/** Lifetime of a user's access token, as GoTrue's default JWT_EXP. */
export const ACCESS_TOKEN_TTL_SECONDS = 3600

export interface TokenKit {
  /** `{sub:"0", exp}`: the token Netlify hands a function. */
  adminToken(ttlSeconds?: number): Promise<string>
  accessToken(claims: AccessClaims): Promise<string>
  /** The payload of a valid HS256 token, or throws a message in jwt-go's words. */
  verify(token: string): Promise<JWTPayload>
}

export interface AccessClaims {
  sub: string
  email: string
  app_metadata: Record<string, unknown>
  user_metadata: Record<string, unknown> | null
}

export class JwtError extends Error {
  override readonly name = 'JwtError'
}

export function createTokenKit(secret: string, now: () => number): TokenKit {
  const key = new TextEncoder().encode(secret)
  const nowSeconds = () => Math.floor(now() / 1000)

  return {
    adminToken(ttlSeconds = 3600) {
      // Exactly the payload Netlify's token carries: no iat, no aud.
      return new SignJWT({ sub: '0', exp: nowSeconds() + ttlSeconds }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key)
    },
    accessToken(claims) {
      return new SignJWT({ ...claims, exp: nowSeconds() + ACCESS_TOKEN_TTL_SECONDS })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(key)
    },
    async verify(token) {
      if (token.split('.').length !== 3) throw new JwtError('token contains an invalid number of segments')
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], currentDate: new Date(now()) })
        return payload
      } catch (err) {
        throw new JwtError(jwtGoMessage(err, token, nowSeconds()))
      }
    },
  }
}

/** GoTrue's messages come from jwt-go; the bridge's logs should read the same against the sandbox. */
function jwtGoMessage(err: unknown, token: string, nowSec: number): string {
  if (err instanceof errors.JWTExpired) {
    const exp = safeDecode(token)?.exp
    return typeof exp === 'number' ? `token is expired by ${goDuration(nowSec - exp)}` : 'token is expired'
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature is invalid'
  if (err instanceof errors.JOSEAlgNotAllowed) return `signing method ${safeAlg(token)} is invalid`
  if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'nbf') return 'token is not valid yet'
  if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'iat') return 'Token used before issued'
  return err instanceof Error ? err.message : String(err)
}

function safeDecode(token: string): JWTPayload | undefined {
  try {
    return decodeJwt(token)
  } catch {
    return undefined
  }
}

function safeAlg(token: string): string {
  try {
    const header: unknown = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'))
    const alg = (header as { alg?: unknown }).alg
    return typeof alg === 'string' ? alg : 'none'
  } catch {
    return 'none'
  }
}

/** Go's time.Duration String() for whole seconds: 5s, 1m5s, 1h0m5s. */
function goDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds))
  const hours = Math.floor(s / 3600)
  const minutes = Math.floor((s % 3600) / 60)
  const seconds = s % 60
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`
  if (minutes > 0) return `${minutes}m${seconds}s`
  return `${seconds}s`
}

/** GoTrue's crypto.SecureToken: 16 random bytes, URL-safe. */
export function secureToken(): string {
  return randomBytes(16).toString('base64url')
}

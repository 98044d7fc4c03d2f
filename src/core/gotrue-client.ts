import { SignJWT } from 'jose'
import { UpstreamError } from './errors.ts'
import type { IdentityClient, IdentityCredential, IdentityTarget, IdentityUser, InviteResult } from './identity.ts'

export interface GoTrueClientOptions {
  target: IdentityTarget
  fetch?: typeof fetch
  timeoutMs: number
  /** ms clock, for minting tokens. */
  now?: () => number
}

// GoTrue's exact message for "this address already has a user" (api/invite.go).
const ALREADY_REGISTERED = 'Email address already registered by another user'
// A failed identity-validate hook may be the hook function's own outage: retrying loses nothing.
const HOOK_FAILED = 'Failed to handle signup webhook'

async function bearer(credential: IdentityCredential, now: number): Promise<string> {
  if (credential.kind === 'token') return credential.token
  // Same shape as the token Netlify hands a function: HS256, sub "0", short-lived.
  const seconds = Math.floor(now / 1000)
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('0')
    .setIssuedAt(seconds)
    .setExpirationTime(seconds + 60)
    .sign(new TextEncoder().encode(credential.secret))
}

function retryAfterSeconds(response: Response): number | undefined {
  const value = response.headers.get('retry-after')
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

async function readMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '')
  try {
    const body = JSON.parse(text) as { msg?: unknown }
    if (typeof body.msg === 'string') return body.msg
  } catch {
    // Not GoTrue's JSON (a proxy's HTML error page, say): fall through to the status.
  }
  return ''
}

/** The GoTrue admin API over HTTP: Netlify Identity, or a self-hosted GoTrue. */
export function createGoTrueClient(options: GoTrueClientOptions): IdentityClient {
  const doFetch = options.fetch ?? fetch
  const now = options.now ?? Date.now
  const { url } = options.target

  async function send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await doFetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(options.timeoutMs) })
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
      throw timedOut
        ? new UpstreamError(503, 'identity_timeout', `Identity server did not answer within ${options.timeoutMs} ms`, { cause: error })
        : new UpstreamError(502, 'identity_unreachable', 'Could not reach the identity server', { cause: error })
    }
  }

  async function call(path: string, body: unknown): Promise<Response> {
    const token = await bearer(options.target.credential, now())
    return send(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  }

  return {
    url,
    async invite(email, data): Promise<InviteResult> {
      const response = await call('/invite', data ? { email, data } : { email })
      if (response.ok) {
        const user = (await response.json().catch(() => ({}))) as { id?: unknown }
        return { outcome: 'invited', userId: typeof user.id === 'string' ? user.id : '' }
      }
      const message = await readMessage(response)
      const status = response.status
      if (status === 422 && message === ALREADY_REGISTERED) return { outcome: 'already_registered' }
      if (status === 422 && message !== HOOK_FAILED) return { outcome: 'rejected', reason: message || 'identity refused the address' }
      if (status === 401 || status === 403) {
        throw new UpstreamError(503, 'identity_auth_failed', `Identity server rejected the admin token (${status}${message ? ` ${message}` : ''}); check IDENTITY_ADMIN_TOKEN or IDENTITY_JWT_SECRET`)
      }
      if (status === 429) {
        throw new UpstreamError(503, 'identity_rate_limited', 'Identity server is rate limiting invites', { retryAfter: retryAfterSeconds(response) })
      }
      // 5xx, a failed hook, or anything unexpected: nothing was confirmed, so a retry is the safe answer.
      throw new UpstreamError(502, 'identity_failed', `Identity server answered ${status}${message ? ` (${message})` : ''}`, { retryAfter: retryAfterSeconds(response) })
    },

    async getUser(accessToken): Promise<IdentityUser | null> {
      const response = await send('/user', { headers: { authorization: `Bearer ${accessToken}` } })
      if (response.ok) {
        const user = (await response.json().catch(() => null)) as IdentityUser | null
        // A 200 without a user id is not an answer we can trust a permission to.
        if (typeof user?.id !== 'string' || !user.id) throw new UpstreamError(502, 'identity_failed', 'Identity server answered GET /user without a user')
        return user
      }
      await response.body?.cancel()
      // 401 bad/expired token, 404 user deleted, 400 a token whose subject is not a user (the admin token): not a user.
      if (response.status === 400 || response.status === 401 || response.status === 403 || response.status === 404) return null
      if (response.status === 429) {
        throw new UpstreamError(503, 'identity_rate_limited', 'Identity server is rate limiting requests', { retryAfter: retryAfterSeconds(response) })
      }
      throw new UpstreamError(502, 'identity_failed', `Identity server answered ${response.status} to GET /user`, { retryAfter: retryAfterSeconds(response) })
    },
  }
}

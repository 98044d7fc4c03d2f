import { withoutCredentials } from '../config/env.ts'
import { UpstreamError } from '../domain/errors.ts'
import { signHs256 } from './hs256.ts'
import { askAnywayIfTooBroad, invitedUser, lookUpTooBroad, retryAfterSeconds } from './identity-answers.ts'
import type { IdentityClient, IdentityCredential, IdentityTarget, IdentityUser, InviteResult } from '../domain/identity.ts'

export interface GoTrueClientOptions {
  target: IdentityTarget
  fetch?: typeof fetch
  timeoutMs: number
  /** ms clock, for minting tokens. */
  now?: () => number
}

/**
 * The only 422s from POST /invite that are final, word for word. Anything else
 * (a proxy's 422, a failed identity-validate hook, which may be the hook
 * function's own outage) is retried: retrying loses nothing, a wrong "final"
 * loses the buyer's invite for good.
 */
const ALREADY_REGISTERED = new Set([
  // netlify/gotrue api/invite.go: confirmed, invited or signed-up-but-unconfirmed.
  'Email address already registered by another user',
  // supabase/auth (the maintained fork), error_code email_exists.
  'A user with this email address has already been registered',
])

/** GoTrue's validateEmail (api/mail.go): the address itself is refused. */
function refusesAddress(message: string): boolean {
  return message === 'An email address is required' || message.startsWith('Unable to validate email address: ')
}

async function bearer(credential: IdentityCredential, now: number): Promise<string> {
  if (credential.kind === 'token') return credential.token
  // Same shape as the token Netlify hands a function: HS256, sub "0", short-lived.
  const seconds = Math.floor(now / 1000)
  return signHs256({ sub: '0', iat: seconds, exp: seconds + 60 }, credential.secret)
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


const PER_PAGE = 100
// An exact address rarely shares its LIKE with more than a page of others; this bounds the time under the role lock.
const MAX_PAGES = 5

/** An admin call that failed: only ever "retry later", since nothing was confirmed. */
function adminFailure(response: Response, message: string): UpstreamError {
  const status = response.status
  const detail = message ? ` (${message})` : ''
  if (status === 401 || status === 403) {
    return new UpstreamError(503, 'identity_auth_failed', `Identity server rejected the admin token (${status}${detail}); check IDENTITY_ADMIN_TOKEN or IDENTITY_JWT_SECRET`)
  }
  if (status === 429) {
    return new UpstreamError(503, 'identity_rate_limited', 'Identity server is rate limiting requests', { retryAfter: retryAfterSeconds(response) })
  }
  // 5xx, a failed hook, or anything unexpected.
  return new UpstreamError(502, 'identity_failed', `Identity server answered ${status}${detail}`, { retryAfter: retryAfterSeconds(response) })
}

/** The GoTrue admin API over HTTP: Netlify Identity, or a self-hosted GoTrue. */
export function createGoTrueClient(options: GoTrueClientOptions): IdentityClient {
  const doFetch = options.fetch ?? fetch
  const now = options.now ?? Date.now
  const { url } = options.target

  // One time limit per call by default; an invite that looks first shares one between the look-up and the POST.
  async function send(path: string, init: RequestInit, signal: AbortSignal = AbortSignal.timeout(options.timeoutMs)): Promise<Response> {
    try {
      return await doFetch(`${url}${path}`, { ...init, signal })
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
      throw timedOut
        ? new UpstreamError(503, 'identity_timeout', `Identity server did not answer within ${options.timeoutMs} ms`, { cause: error })
        : new UpstreamError(502, 'identity_unreachable', 'Could not reach the identity server', { cause: error })
    }
  }

  async function admin(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const token = await bearer(options.target.credential, now())
    return send(
      path,
      {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      },
      signal,
    )
  }

  async function findUserByEmail(email: string, signal?: AbortSignal): Promise<IdentityUser | null> {
    const wanted = email.toLowerCase()
    // `filter` is a LIKE on email and name: "ann@example.com" also finds "joann@example.com".
    // Oldest first, so users created while we page do not shift earlier pages.
    for (let page = 1; page <= MAX_PAGES; page++) {
      const response = await admin('GET', `/admin/users?filter=${encodeURIComponent(email)}&per_page=${PER_PAGE}&page=${page}&sort=${encodeURIComponent('created_at asc')}`, undefined, signal)
      if (!response.ok) throw adminFailure(response, await readMessage(response))
      const { users } = (await response.json()) as { users?: IdentityUser[] }
      const found = users?.find((user) => user.email?.toLowerCase() === wanted)
      if (found) return found
      if (!users || users.length < PER_PAGE) return null
    }
    throw lookUpTooBroad('Identity server', MAX_PAGES, PER_PAGE)
  }

  return {
    url: withoutCredentials(url),
    async invite(email, data, inviteOptions): Promise<InviteResult> {
      const signal = inviteOptions?.lookFirst ? AbortSignal.timeout(options.timeoutMs) : undefined
      if (signal && (await findUserByEmail(email, signal).catch(askAnywayIfTooBroad))) return { outcome: 'already_registered' }
      const response = await admin('POST', '/invite', data ? { email, data } : { email }, signal)
      if (response.ok) return invitedUser(await response.text().catch(() => ''), email, 'Identity server')
      const message = await readMessage(response)
      if (response.status === 422 && ALREADY_REGISTERED.has(message)) return { outcome: 'already_registered' }
      if (response.status === 422 && refusesAddress(message)) return { outcome: 'rejected', reason: message }
      throw adminFailure(response, message)
    },

    findUserByEmail: (email) => findUserByEmail(email),

    async getUserById(id) {
      const response = await admin('GET', `/admin/users/${encodeURIComponent(id)}`)
      if (response.status === 404) return null
      if (!response.ok) throw adminFailure(response, await readMessage(response))
      return (await response.json()) as IdentityUser
    },

    async setRoles(id, roles) {
      // GoTrue merges app_metadata one level deep: this replaces `roles` and keeps every other key.
      const response = await admin('PUT', `/admin/users/${encodeURIComponent(id)}`, { app_metadata: { roles } })
      if (!response.ok) throw adminFailure(response, await readMessage(response))
      await response.body?.cancel()
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

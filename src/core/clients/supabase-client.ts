import type { SupabaseSettings } from '../config/config.ts'
import { NotConfiguredError, UpstreamError } from '../domain/errors.ts'
import type { IdentityClient, IdentityUser, InviteResult } from '../domain/identity.ts'
import { askAnywayIfTooBroad, invitedUser, lookUpTooBroad, retryAfterSeconds } from './identity-answers.ts'
import { finalInviteAnswer, readSupabaseError, supabaseFailure } from './supabase-answers.ts'

export interface SupabaseClientOptions {
  /** The project URL (`https://<ref>.supabase.co`); Auth lives under `/auth/v1`. */
  url: string
  /** Server-side only: it bypasses every row-level rule of the project. Never logged, never in an answer. */
  serviceRoleKey: string
  fetch?: typeof fetch
  timeoutMs: number
}

/** Missing settings are a 503 naming the variables, like an unconfigured GoTrue. */
export function supabaseOptions(settings: SupabaseSettings): { url: string; serviceRoleKey: string } {
  const { url, serviceRoleKey } = settings
  if (url && serviceRoleKey) return { url, serviceRoleKey }
  const missing = [url ? null : 'SUPABASE_URL', serviceRoleKey ? null : 'SUPABASE_SERVICE_ROLE_KEY'].filter(Boolean)
  throw new NotConfiguredError('identity_not_configured', `No Supabase project to invite with (IDENTITY_PROVIDER=supabase): set ${missing.join(' and ')}`)
}

const PER_PAGE = 100
// An exact address rarely shares its LIKE with more than a page of others; this bounds the time under the role lock.
const MAX_PAGES = 5

/**
 * Supabase Auth's admin API over HTTP. Unlike GoTrue it answers POST /invite
 * for an invited-but-unconfirmed address by mailing a new link (200), so
 * invite() looks the address up first: a person who already has an account,
 * accepted or not, is `already_registered` and gets no second mail.
 */
export function createSupabaseClient(options: SupabaseClientOptions): IdentityClient {
  const doFetch = options.fetch ?? fetch
  const base = `${options.url.replace(/\/+$/, '')}/auth/v1`
  const key = options.serviceRoleKey

  async function send(path: string, init: RequestInit, signal: AbortSignal, bearer = key): Promise<Response> {
    const headers = {
      // The gateway checks `apikey`; Auth itself reads the bearer token's role (service_role is an admin role).
      apikey: key,
      authorization: `Bearer ${bearer}`,
      // Error answers as { code, message } with the error code in `code` (internal/api/apiversions.go).
      'x-supabase-api-version': '2024-01-01',
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    }
    try {
      return await doFetch(`${base}${path}`, { ...init, headers, signal })
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
      throw timedOut
        ? new UpstreamError(503, 'identity_timeout', `Supabase Auth did not answer within ${options.timeoutMs} ms`, { cause: error })
        : new UpstreamError(502, 'identity_unreachable', 'Could not reach Supabase Auth', { cause: error })
    }
  }

  const deadline = () => AbortSignal.timeout(options.timeoutMs)

  async function failure(response: Response, call: string): Promise<UpstreamError> {
    return supabaseFailure(await readSupabaseError(response), retryAfterSeconds(response), call)
  }

  async function findUserByEmail(email: string, signal: AbortSignal): Promise<IdentityUser | null> {
    // Auth stores addresses lower-cased (validateEmail), and `filter` is a case-sensitive LIKE on email
    // (or ILIKE on full_name): "ann@example.com" also finds "joann@example.com", so only an exact match counts.
    const wanted = email.toLowerCase()
    for (let page = 1; page <= MAX_PAGES; page++) {
      const query = `filter=${encodeURIComponent(wanted)}&page=${page}&per_page=${PER_PAGE}&sort=${encodeURIComponent('created_at asc')}`
      const response = await send(`/admin/users?${query}`, { method: 'GET' }, signal)
      if (!response.ok) throw await failure(response, 'GET /admin/users')
      const { users } = (await response.json().catch(() => ({}))) as { users?: IdentityUser[] }
      if (!Array.isArray(users)) throw new UpstreamError(502, 'identity_bad_answer', 'Supabase Auth answered GET /admin/users without a user list')
      const found = users.find((user) => user.email?.toLowerCase() === wanted)
      if (found) return found
      if (users.length < PER_PAGE) return null
    }
    throw lookUpTooBroad('Supabase Auth', MAX_PAGES, PER_PAGE)
  }

  return {
    url: base,
    // Always looks first (Auth would mail an invited address a new link), so `lookFirst` asks nothing more of it.
    async invite(email, data): Promise<InviteResult> {
      // One time limit for the look-up and the invite: the lease and GitHub's 10 s are reckoned on it.
      const signal = deadline()
      if (await findUserByEmail(email, signal).catch(askAnywayIfTooBroad)) return { outcome: 'already_registered' }
      const response = await send('/invite', { method: 'POST', body: JSON.stringify(data ? { email, data } : { email }) }, signal)
      if (response.ok) return invitedUser(await response.text().catch(() => ''), email, 'Supabase Auth')
      const error = await readSupabaseError(response)
      const final = finalInviteAnswer(error)
      if (final) return final
      throw supabaseFailure(error, retryAfterSeconds(response), 'POST /invite')
    },

    findUserByEmail: (email) => findUserByEmail(email, deadline()),

    async getUserById(id) {
      const response = await send(`/admin/users/${encodeURIComponent(id)}`, { method: 'GET' }, deadline())
      // 404 user_not_found, and 404 validation_failed for an id that is not a UUID (admin.go loadUser).
      if (response.status === 404) return null
      if (!response.ok) throw await failure(response, 'GET /admin/users/{id}')
      return (await response.json()) as IdentityUser
    },

    async setRoles(id, roles) {
      // Auth merges app_metadata by top-level key (models UpdateAppMetaData): this replaces `roles` and keeps provider/providers.
      const response = await send(`/admin/users/${encodeURIComponent(id)}`, { method: 'PUT', body: JSON.stringify({ app_metadata: { roles } }) }, deadline())
      if (!response.ok) throw await failure(response, 'PUT /admin/users/{id}')
      await response.body?.cancel()
    },

    async getUser(accessToken): Promise<IdentityUser | null> {
      const response = await send('/user', { method: 'GET' }, deadline(), accessToken)
      if (response.ok) {
        const user = (await response.json().catch(() => null)) as IdentityUser | null
        if (typeof user?.id !== 'string' || !user.id) throw new UpstreamError(502, 'identity_failed', 'Supabase Auth answered GET /user without a user')
        return user
      }
      // 401 no token, 403 bad_jwt / user_not_found / a token without a user (the service role key), 400 a sub that is no UUID.
      if (response.status === 400 || response.status === 401 || response.status === 403 || response.status === 404) {
        await response.body?.cancel()
        return null
      }
      throw await failure(response, 'GET /user')
    },
  }
}

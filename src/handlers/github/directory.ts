import { UpstreamError } from '../../core/domain/errors.ts'
import type { DirectoryEntry } from '../../core/domain/facts.ts'

/** Where logins are looked up. */
export interface GitHubApiSettings {
  /** Token for `GET /users/{login}`; without one GitHub allows 60 lookups an hour. */
  token: string | undefined
  apiUrl: string
  timeoutMs: number
}

export interface GitHubDirectoryOptions {
  settings: GitHubApiSettings
  fetch?: typeof fetch
}

/**
 * Login → public profile email, with GitHub's REST `GET /users/{username}`. A
 * user who keeps their email private is a value (`email: null`), not a
 * failure; only trouble that may pass (5xx, rate limits, timeouts) throws, so
 * the delivery is answered non-2xx and can be redelivered.
 */
export function createGitHubDirectory(options: GitHubDirectoryOptions) {
  const { settings } = options
  const doFetch = options.fetch ?? fetch
  return async function lookupGitHubUser(login: string): Promise<DirectoryEntry | null> {
    let response: Response
    try {
      response = await doFetch(`${settings.apiUrl}/users/${encodeURIComponent(login)}`, {
        headers: {
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          'user-agent': 'invite-bridge',
          ...(settings.token ? { authorization: `token ${settings.token}` } : {}),
        },
        signal: AbortSignal.timeout(settings.timeoutMs),
      })
    } catch (error) {
      throw lookupFailed(settings.apiUrl, 'no answer', error)
    }
    if (response.status === 404) return null
    if (response.ok) {
      const user = (await response.json().catch(() => null)) as { email?: unknown; name?: unknown } | null
      if (user === null || typeof user !== 'object') throw lookupFailed(settings.apiUrl, 'an answer that is not JSON')
      return { email: typeof user.email === 'string' ? user.email : null, name: typeof user.name === 'string' ? user.name : null }
    }
    const message = await response.text().catch(() => '')
    // GitHub answers an exhausted rate limit with 403 (primary) or 429 (secondary).
    const rateLimited = response.status === 429 || (response.status === 403 && (response.headers.get('x-ratelimit-remaining') === '0' || /rate limit/i.test(message)))
    if (rateLimited) throw new UpstreamError(503, 'github_rate_limited', 'GitHub is rate limiting user look-ups (set GITHUB_TOKEN for a higher limit); redeliver the event later')
    if (response.status === 401) throw new UpstreamError(503, 'github_auth_failed', 'GitHub rejected GITHUB_TOKEN while looking up a member')
    throw lookupFailed(settings.apiUrl, `it answered ${response.status}`)
  }
}

function lookupFailed(apiUrl: string, what: string, cause?: unknown): UpstreamError {
  return new UpstreamError(502, 'github_lookup_failed', `Could not look up the GitHub user's email at ${apiUrl} (${what}); redeliver the event once GitHub answers`, { cause })
}

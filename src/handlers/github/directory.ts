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
 * Login → public profile email, through Octokit's REST request. A user who
 * keeps their email private is a value (`email: null`), not a failure; only
 * trouble that may pass (5xx, rate limits, timeouts) throws, so the delivery
 * is answered non-2xx and can be redelivered.
 */
export function createGitHubDirectory(options: GitHubDirectoryOptions) {
  const { settings } = options
  return async function lookupGitHubUser(login: string): Promise<DirectoryEntry | null> {
    const { request } = await import('@octokit/request')
    try {
      const response = await request('GET /users/{username}', {
        username: login,
        baseUrl: settings.apiUrl,
        headers: {
          'user-agent': 'invite-bridge',
          ...(settings.token ? { authorization: `token ${settings.token}` } : {}),
        },
        request: { fetch: options.fetch ?? fetch, signal: AbortSignal.timeout(settings.timeoutMs) },
      })
      const user = response.data as { email?: string | null; name?: string | null }
      return { email: user.email ?? null, name: user.name ?? null }
    } catch (error) {
      const status = (error as { status?: number }).status
      // Octokit reports a network failure as status 500 too; only a response means GitHub answered.
      const answered = (error as { response?: unknown }).response !== undefined
      if (status === 404) return null
      const rateLimited = status === 429 || (status === 403 && /rate limit/i.test(String((error as Error).message)))
      throw new UpstreamError(
        status === 401 || rateLimited ? 503 : 502,
        rateLimited ? 'github_rate_limited' : status === 401 ? 'github_auth_failed' : 'github_lookup_failed',
        status === 401
          ? 'GitHub rejected GITHUB_TOKEN while looking up a member'
          : `Could not look up the GitHub user's email at ${settings.apiUrl} (${answered ? `it answered ${status}` : 'no answer'}); redeliver the event once GitHub answers`,
        { cause: error },
      )
    }
  }
}

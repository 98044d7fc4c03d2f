import { httpUrl, optional, positiveInteger, type Env } from '../../core/config/env.ts'
import type { SenderRuntime } from '../sender.ts'
import { githubCatalogue } from './catalogue.ts'
import { createGitHubDirectory, type GitHubApiSettings } from './directory.ts'
import { mapGitHubEvent } from './map.ts'
import { verifyGitHubDelivery } from './verify.ts'

function readGitHubSettings(env: Env): GitHubApiSettings {
  return {
    token: optional(env, 'GITHUB_TOKEN'),
    apiUrl: httpUrl(env, 'GITHUB_API_URL', 'https://api.github.com')!,
    timeoutMs: positiveInteger(env, 'GITHUB_TIMEOUT_MS', 3000),
  }
}

/** What a deployed bridge runs of this sender; index.ts adds the CLI's tools. */
export const githubRuntime: SenderRuntime<GitHubApiSettings> = {
  name: 'github',
  secretVariable: 'GITHUB_WEBHOOK_SECRET',
  catalogue: githubCatalogue,
  readSettings: readGitHubSettings,
  async receive(request, config) {
    const { name, deliveryId, payload } = await verifyGitHubDelivery(request, config.secrets)
    return mapGitHubEvent(name, deliveryId, payload)
  },
  // Public profiles need no key (a token raises GitHub's rate limit).
  reads: (settings, doFetch) => ({ person: createGitHubDirectory({ settings, fetch: doFetch }) }),
}

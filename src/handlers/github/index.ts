import { httpUrl, optional, positiveInteger, type Env } from '../../core/config/env.ts'
import type { Sender } from '../sender.ts'
import { githubExplainer } from './explain.ts'
import { githubCatalogue } from './catalogue.ts'
import { createGitHubDirectory, type GitHubApiSettings } from './directory.ts'
import { mapGitHubEvent } from './map.ts'
import { githubSamples } from './samples.ts'
import { signGitHub } from './sign.ts'
import { verifyGitHubDelivery } from './verify.ts'

function readGitHubSettings(env: Env): GitHubApiSettings {
  return {
    token: optional(env, 'GITHUB_TOKEN'),
    apiUrl: httpUrl(env, 'GITHUB_API_URL', 'https://api.github.com')!,
    timeoutMs: positiveInteger(env, 'GITHUB_TIMEOUT_MS', 3000),
  }
}

export const githubSender: Sender<GitHubApiSettings> = {
  name: 'github',
  secretVariable: 'GITHUB_WEBHOOK_SECRET',
  catalogue: githubCatalogue,
  eventHeader: 'X-GitHub-Event',
  readSettings: readGitHubSettings,
  async receive(request, config) {
    const { name, deliveryId, payload } = await verifyGitHubDelivery(request, config.secrets)
    return mapGitHubEvent(name, deliveryId, payload)
  },
  // Public profiles need no key (a token raises GitHub's rate limit).
  reads: (settings, doFetch) => ({ person: createGitHubDirectory({ settings, fetch: doFetch }) }),
  sign: signGitHub,
  samples: githubSamples,
  explain: githubExplainer,
}

import type { Env } from '../core/config/env.ts'
import { UsageError } from './usage.ts'

/** The bridge a command talks to: --url, else the local server `npm start` runs (PORT, default 8888). */
export function bridgeUrl(raw: string | undefined, env: Env): string {
  const value = raw ?? `http://localhost:${env.PORT?.trim() || 8888}`
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got "${value}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url must be an http(s) URL, got "${value}"`)
  // Forgiving of a full endpoint being pasted in: each command adds its own path.
  return value.replace(/\/+$/, '').replace(/\/(invites|webhooks\/[a-z0-9-]+|invite-bridge(\/api)?)$/, '')
}

import type { Context } from '@netlify/functions'
import { SECRET_RECORDS, storedSecret } from './core/exactly-once/stored-secret.ts'
import type { KeyValueStore } from './core/exactly-once/store.ts'
import { requestSweep } from './handlers/routes/admin-api.ts'
import { openSiteStore } from './netlify-store.ts'

export interface NetlifySweeperOptions {
  /** The bridge's store (default: the one the bridge's function opens: Blobs, or BRIDGE_DATABASE_URL). */
  store?: () => KeyValueStore
  fetch?: typeof fetch
  env?: Readonly<Record<string, string | undefined>>
}

// A scheduled function runs for 30 s at most; the sweep itself stops starting new events after 6 s.
const SWEEP_TIMEOUT_MS = 25_000

/**
 * The scheduled function: asks the bridge's own function to sweep, over
 * HTTP, at the site's URL. Netlify's runtime builds the identity context
 * (the admin token the bridge invites with) from the `x-nf-identity-info`
 * header of the request it runs; Netlify adds that header to requests
 * that come through the site, and nothing documents it for a scheduled
 * run. A request through the site gets a fresh token every time, so the
 * sweep runs there, proved by a secret only the site holds: one the
 * bridge generated and keeps in its store.
 */
export function createNetlifySweeper(options: NetlifySweeperOptions = {}) {
  // Once per instance, on the first run (the environment is the runtime's by then): a warm instance
  // neither reads the secret again nor opens another store (with Postgres, another pool) every minute.
  let sweepSecret: (() => Promise<string>) | undefined
  return async function sweepInviteBridge(_req: Request, context?: Pick<Context, 'site'>): Promise<Response> {
    const env = options.env ?? process.env
    const site = context?.site?.url || env.URL
    if (!site) {
      console.error(JSON.stringify({ level: 'error', route: 'sweep', message: 'No site URL (context.site.url, URL): cannot reach the bridge to sweep' }))
      return new Response(null, { status: 500 })
    }
    sweepSecret ??= storedSecret(options.store?.() ?? openSiteStore(env), SECRET_RECORDS.sweep)
    const secret = await sweepSecret()
    const response = await requestSweep(options.fetch ?? fetch, { base: site, secret, signal: AbortSignal.timeout(SWEEP_TIMEOUT_MS) })
    const text = await response.text()
    if (!response.ok) console.error(JSON.stringify({ level: 'error', route: 'sweep', status: response.status, answer: text.slice(0, 300) }))
    return new Response(text, { status: response.status, headers: { 'content-type': 'application/json' } })
  }
}

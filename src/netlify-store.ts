import { postgresUrl, type Env } from './core/config/env.ts'
import type { KeyValueStore } from './core/exactly-once/store.ts'
import { openNetlifyBlobsStore } from './stores/blobs-store.ts'
import { openPostgresStore } from './stores/postgres-store.ts'

/**
 * The bridge's store on Netlify, for the function and its scheduled sweep
 * alike: Netlify Blobs, unless the bridge's own database is set. Either
 * connects on first use, so choosing costs a cold start nothing.
 */
export function openSiteStore(env: Env): KeyValueStore {
  // Only the bridge's own variable: a DATABASE_URL set for the site's app is not ours to create tables in.
  const databaseUrl = postgresUrl(env, 'BRIDGE_DATABASE_URL')
  return databaseUrl ? openPostgresStore({ url: databaseUrl }) : openNetlifyBlobsStore()
}

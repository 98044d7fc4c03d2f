import type { Pool, PoolClient, QueryResultRow } from 'pg'

import { listLimit, type CreateResult, type KeyValueStore, type ListOptions, type ListPage, type ReplaceResult, type StoredRecord } from '../core/exactly-once/store.ts'
import { postgresStoreError } from './postgres-errors.ts'
import { migrate } from './postgres-migrations.ts'

export interface PostgresStoreOptions {
  /** BRIDGE_DATABASE_URL: `postgres://user:password@host:5432/database`, with `?sslmode=require` where the host asks for TLS. */
  url: string
  /** Connections this instance may hold at once (default 5): the database's max_connections is shared by every instance. */
  poolMax?: number
  /** How long to wait for a connection, and for a statement's answer, before 503 (default 5000). */
  timeoutMs?: number
  /** ms clock (tests move it to stand for an instance frozen between requests). */
  now?: () => number
}

export interface PostgresStore extends KeyValueStore {
  close(): Promise<void>
}

const DEFAULT_POOL_MAX = 5
const DEFAULT_TIMEOUT_MS = 5000
/** An idle connection is closed after this long; a pool idle longer than this is not trusted (see connect). */
const IDLE_MS = 10_000
/** Versions come from a bigint sequence; anything else cannot be one of our etags. */
const ETAG = /^[1-9][0-9]{0,18}$/

/**
 * The KeyValueStore for several instances sharing one PostgreSQL database.
 * Each operation is one statement on its own (autocommit): create is
 * `INSERT … ON CONFLICT DO NOTHING`, replace and a conditional delete match
 * the version column in their WHERE clause, and PostgreSQL re-checks that
 * clause against the latest row when two writers meet, so both are atomic
 * across every connection of every instance. The etag is the version.
 *
 * Opening does no I/O, and does not even load the driver: the first
 * operation connects and creates the tables (see postgres-migrations.ts).
 * A database that is away answers 503 store_unavailable, and the next
 * operation tries again.
 */

export function openPostgresStore(options: PostgresStoreOptions): PostgresStore {
  let pool: Promise<Pool> | undefined
  let ready: Promise<void> | undefined
  let closed = false
  let lastUsed: number | undefined
  const now = options.now ?? Date.now

  const connect = () => {
    const at = now()
    if (pool && lastUsed !== undefined && at - lastUsed > IDLE_MS) {
      // Idle longer than the pool keeps a connection: its idle timers should have closed them, but a
      // Netlify instance is frozen between requests and its timers do not run, so what the pool still
      // holds may have been dropped by the server or the network meanwhile (a query on it would wait out
      // the timeout and answer 503). Start a fresh pool, as a process whose timers ran would have.
      const stale = pool
      pool = undefined
      void stale.then((old) => old.end()).catch(() => {})
    }
    lastUsed = at
    return openPool()
  }

  const openPool = () =>
    // Loaded on first use: a site on Blobs never pays for the driver. Netlify leaves packages out of a
    // function's bundle and ships the ones its trace finds (this import among them) beside it.
    (pool ??= import('pg').then(({ default: pg }) => {
      const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
      const created = new pg.Pool({
        connectionString: options.url,
        max: options.poolMax ?? DEFAULT_POOL_MAX,
        connectionTimeoutMillis: timeoutMs,
        // Client-side, so it holds behind a transaction-mode pooler that refuses a
        // statement_timeout startup parameter; a connection that timed out is discarded.
        query_timeout: timeoutMs,
        idleTimeoutMillis: IDLE_MS,
        keepAlive: true,
        application_name: 'invite-bridge',
        // A CLI run that used the store may exit without closing it.
        allowExitOnIdle: true,
      })
      // An idle connection dropped by the server (a restart, a failover) is
      // reported here; without a listener it would crash the process. The pool
      // has already discarded it, and the next operation opens a fresh one.
      created.on('error', () => {})
      return created
    }))

  const prepared = async () => {
    const opened = await connect()
    // A failed migration (database away) is forgotten, so the next operation tries again.
    ready ??= withClient(opened, migrate).catch((error: unknown) => {
      ready = undefined
      throw error
    })
    await ready
    return opened
  }

  const run = async <R extends QueryResultRow>(operation: string, key: string, sql: string, values: unknown[]) => {
    try {
      if (closed) throw new Error('Cannot use a pool after calling end on the pool')
      return await (await prepared()).query<R>(sql, values)
    } catch (error) {
      throw postgresStoreError(operation, key, error)
    }
  }

  return {
    async get<T>(key: string): Promise<StoredRecord<T> | null> {
      const { rows } = await run<{ value: string; version: string }>('read', key, 'SELECT value::text AS value, version::text AS version FROM invite_bridge_records WHERE key = $1', [key])
      return rows[0] ? { value: JSON.parse(rows[0].value) as T, etag: rows[0].version } : null
    },
    async create<T>(key: string, value: T): Promise<CreateResult> {
      const { rows } = await run<{ version: string }>(
        'create',
        key,
        'INSERT INTO invite_bridge_records (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING version::text AS version',
        [key, JSON.stringify(value)],
      )
      return rows[0] ? { created: true, etag: rows[0].version } : { created: false }
    },
    async replace<T>(key: string, value: T, etag: string): Promise<ReplaceResult> {
      if (!ETAG.test(etag)) return { replaced: false }
      const { rows } = await run<{ version: string }>(
        'replace',
        key,
        `UPDATE invite_bridge_records SET value = $2, version = nextval('invite_bridge_record_versions')
         WHERE key = $1 AND version = $3 RETURNING version::text AS version`,
        [key, JSON.stringify(value), etag],
      )
      return rows[0] ? { replaced: true, etag: rows[0].version } : { replaced: false }
    },
    async list<T>(prefix: string, listing?: ListOptions): Promise<ListPage<T>> {
      const limit = listLimit(listing)
      // A prefix is the key range [prefix, prefix + U+FFFF), which the primary key's index serves in either direction.
      const end = `${prefix}\uffff`
      const { rows } = await run<{ key: string; value: string; version: string }>(
        'list',
        prefix,
        `SELECT key, value::text AS value, version::text AS version FROM invite_bridge_records
         WHERE key >= $1 AND key < $2 AND ${listing?.reverse ? 'key < $3 ORDER BY key DESC' : 'key > $3 ORDER BY key ASC'} LIMIT $4`,
        [prefix, end, listing?.after ?? (listing?.reverse ? end : ''), limit + 1],
      )
      const page = rows.slice(0, limit)
      return {
        records: page.map((row) => ({ key: row.key, value: JSON.parse(row.value) as T, etag: row.version })),
        next: rows.length > limit ? page.at(-1)!.key : null,
      }
    },
    async delete(key: string, etag?: string) {
      if (etag !== undefined && !ETAG.test(etag)) return { deleted: false }
      const { rowCount } = etag === undefined
        ? await run('delete', key, 'DELETE FROM invite_bridge_records WHERE key = $1', [key])
        : await run('delete', key, 'DELETE FROM invite_bridge_records WHERE key = $1 AND version = $2', [key, etag])
      return { deleted: rowCount === 1 }
    },
    async close() {
      if (closed) return
      closed = true
      if (pool) await (await pool.catch(() => undefined))?.end()
    },
  }
}

/** Runs `work` on one connection of its own; a connection that failed is discarded rather than reused. */
async function withClient<R>(pool: Pool, work: (client: PoolClient) => Promise<R>): Promise<R> {
  const client = await pool.connect()
  try {
    const result = await work(client)
    client.release()
    return result
  } catch (error) {
    client.release(error instanceof Error ? error : true)
    throw error
  }
}

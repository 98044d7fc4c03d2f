import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'

/** A database of its own on the run's shared PostgreSQL server, dropped by `drop`. */
export interface TestDatabase {
  /** The superuser's URL for this database: what a test sets as BRIDGE_DATABASE_URL. */
  url: string
  /** A new schema in this database, and a URL whose search_path puts the bridge's tables there: a fresh set of tables per test. */
  freshSchema(): Promise<{ name: string; url: string }>
  /** SQL as the superuser, on this database. */
  query<R extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<pg.QueryResult<R>>
  drop(): Promise<void>
}

export async function sharedPostgresUrl(): Promise<string> {
  const answer = await fetch(inject('postgresStarter'))
  if (!answer.ok) throw new Error(`The test PostgreSQL server did not start: ${await answer.text()}`)
  return ((await answer.json()) as { url: string }).url
}

export async function freshDatabase(): Promise<TestDatabase> {
  const serverUrl = await sharedPostgresUrl()
  const name = `bridge_test_${randomBytes(6).toString('hex')}`
  // A language-aware default collation, as many hosted databases have ('B' after 'a'): keys must still list in byte order.
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`))
  const url = serverUrl.replace(/\/postgres$/, `/${name}`)
  const admin = new pg.Pool({ connectionString: url, max: 2 })
  admin.on('error', () => {})
  return {
    url,
    async freshSchema() {
      const name = `s_${randomBytes(6).toString('hex')}`
      await admin.query(`CREATE SCHEMA ${name}`)
      return { name, url: `${url}?options=${encodeURIComponent(`-c search_path=${name}`)}` }
    },
    query: (sql, values) => admin.query(sql, values),
    async drop() {
      await admin.end()
      await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    },
  }
}

async function withClient<R>(url: string, work: (client: pg.Client) => Promise<R>): Promise<R> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

import type { PoolClient } from 'pg'

/**
 * The bridge's own tables in a database it may share with the site's app:
 * every name starts with `invite_bridge_`, and nothing else is touched.
 * Migrations are append-only: a released one is never edited, a change is a
 * new version.
 */
const MIGRATIONS: ReadonlyArray<{ version: number; statements: readonly string[] }> = [
  {
    version: 1,
    statements: [
      // One sequence for every write of every key: a version is never reused,
      // not even after a delete and a new create under the same key, so a
      // stale etag can never match a newer record.
      'CREATE SEQUENCE invite_bridge_record_versions',
      // COLLATE "C": keys compare and list in byte order, as the store contract
      // says, whatever the database's locale; and a prefix is an index range.
      // `json`, not `jsonb`: the value reads back exactly as written, like the
      // other stores, and jsonb would refuse a \u0000 that a webhook's payload can carry.
      `CREATE TABLE invite_bridge_records (
        key text COLLATE "C" PRIMARY KEY,
        value json NOT NULL,
        version bigint NOT NULL DEFAULT nextval('invite_bridge_record_versions')
      )`,
    ],
  },
]

const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version

/** Any constant both instances agree on; "invite-b" in ASCII, so it is unlikely to meet another app's lock. */
const MIGRATION_LOCK = 0x696e766974652d62n

/**
 * Brings the schema up to SCHEMA_VERSION in one transaction, under an
 * advisory lock so that two instances starting together apply each
 * migration once: the second waits, then finds nothing left to do. A
 * database already migrated by a newer bridge is refused: this one would not
 * know what its records mean.
 */
export async function migrate(client: PoolClient): Promise<void> {
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()])
    await client.query(`CREATE TABLE IF NOT EXISTS invite_bridge_schema_migrations (
      version integer PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const { rows } = await client.query<{ version: number }>('SELECT coalesce(max(version), 0) AS version FROM invite_bridge_schema_migrations')
    const applied = rows[0]!.version
    if (applied > SCHEMA_VERSION) throw new NewerSchemaError(applied)
    for (const migration of MIGRATIONS.filter((candidate) => candidate.version > applied)) {
      for (const statement of migration.statements) await client.query(statement)
      await client.query('INSERT INTO invite_bridge_schema_migrations (version) VALUES ($1)', [migration.version])
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}

export class NewerSchemaError extends Error {
  override readonly name = 'NewerSchemaError'
  readonly applied: number
  constructor(applied: number) {
    super(`the database's invite_bridge tables are at schema version ${applied}, newer than this bridge knows (${SCHEMA_VERSION}): upgrade the bridge`)
    this.applied = applied
  }
}

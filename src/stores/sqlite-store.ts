import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'

import { BridgeError, UpstreamError } from '../core/domain/errors.ts'
import type { KeyValueStore, StoredRecord } from '../core/exactly-once/store.ts'

export interface SqliteStoreOptions {
  dir: string
  fileName?: string
}

interface Row {
  value: string
  etag: string
}

/**
 * The local KeyValueStore, for running off Netlify: one SQLite file that
 * several processes may share. Each operation is a single statement, and
 * SQLite runs a writing statement under the file's write lock, so
 * create-if-absent and compare-and-swap are atomic without an explicit
 * transaction — within a process and across processes.
 */
export function openSqliteStore(options: SqliteStoreOptions): KeyValueStore {
  mkdirSync(options.dir, { recursive: true })
  const path = join(options.dir, options.fileName ?? 'invite-bridge.sqlite')
  const db = new DatabaseSync(path)
  // busy_timeout comes first: switching to WAL and creating the table take
  // locks too, and another process may be opening the same file right now.
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec('PRAGMA journal_mode = WAL')
  // FULL: fsync the WAL at every commit, so an acknowledged claim survives
  // a crash of the machine, not only of the process.
  db.exec('PRAGMA synchronous = FULL')
  db.exec('CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, value TEXT NOT NULL, etag TEXT NOT NULL)')

  const select = db.prepare('SELECT value, etag FROM records WHERE key = ?')
  const insert = db.prepare('INSERT INTO records (key, value, etag) VALUES (?, ?, ?) ON CONFLICT(key) DO NOTHING')
  const update = db.prepare('UPDATE records SET value = ?, etag = ? WHERE key = ? AND etag = ?')
  let open = true

  return {
    async get<T>(key: string): Promise<StoredRecord<T> | null> {
      return mapErrors('read', key, () => {
        const row = select.get(key) as Row | undefined
        return row ? { value: JSON.parse(row.value) as T, etag: row.etag } : null
      })
    },
    async create<T>(key: string, value: T) {
      // Serialised outside mapErrors: a value that is not JSON is a bug, not an outage.
      const json = JSON.stringify(value)
      return mapErrors('create', key, () => {
        const etag = randomUUID()
        const { changes } = insert.run(key, json, etag)
        return changes === 1 ? { created: true as const, etag } : { created: false as const }
      })
    },
    async replace<T>(key: string, value: T, etag: string) {
      const json = JSON.stringify(value)
      return mapErrors('replace', key, () => {
        const next = randomUUID()
        const { changes } = update.run(json, next, key, etag)
        return changes === 1 ? { replaced: true as const, etag: next } : { replaced: false as const }
      })
    },
    close() {
      if (open) db.close()
      open = false
    },
  }
}

/** A store that cannot answer (locked past busy_timeout, disk full, closed) means "try again later". */
function mapErrors<R>(operation: string, key: string, run: () => R): R {
  try {
    return run()
  } catch (error) {
    if (error instanceof BridgeError) throw error
    throw new UpstreamError(503, 'store_unavailable', `SQLite store could not ${operation} "${key}"`, { cause: error })
  }
}

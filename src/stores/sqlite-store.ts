import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { setTimeout as sleep } from 'node:timers/promises'

import { BridgeError, UpstreamError } from '../core/domain/errors.ts'
import { listLimit, type KeyValueStore, type ListOptions, type ListPage, type StoredRecord } from '../core/exactly-once/store.ts'

export interface SqliteStoreOptions {
  dir: string
  fileName?: string
  /** How long an operation keeps retrying while another process holds the write lock, before 503 store_busy (default 2500). */
  busyRetryMs?: number
  /**
   * Keys that only record what happened (the event log: entries, counts),
   * not what must happen once. A commit holding nothing but these does not
   * wait for the disk (synchronous=NORMAL): it survives the process being
   * killed, and the next commit that does wait (any claim) makes it
   * survive a power cut too. Redeliveries update the log and nothing else,
   * so this is what keeps the duplicate path off fsync.
   */
  relaxedPrefixes?: readonly string[]
}

interface Row {
  value: string
  etag: string
}

interface ListedRow extends Row {
  key: string
}

/**
 * SQLite's busy handler sleeps inside the call, on the event loop: with a
 * long busy_timeout one process holding the write lock froze every request
 * of this one. So the handler waits only a moment, and longer waits are
 * retried below with timers, leaving the loop free.
 */
const BUSY_TIMEOUT_MS = 2
/** Opening happens once, before serving: waiting synchronously there blocks nothing yet. */
const OPEN_BUSY_TIMEOUT_MS = 5000
const DEFAULT_BUSY_RETRY_MS = 2500
const SQLITE_BUSY = 5
const SQLITE_LOCKED = 6

/**
 * The local KeyValueStore, for running off Netlify: one SQLite file that
 * several processes may share. Reads are single statements. Writes made in
 * the same turn of the event loop are committed together, in one
 * BEGIN IMMEDIATE … COMMIT (one fsync for all of them), and each caller
 * hears of its write only once that COMMIT returned: durable as before,
 * with one fsync where there were several. Each write is still one
 * statement run under the file's write lock, so create-if-absent and
 * compare-and-swap stay atomic within a process and across processes.
 *
 * Records are never deleted and an etag is never reused, so a create whose
 * key already exists, or a replace whose etag is already gone, is answered
 * from a read without taking the write lock: the duplicate path writes nothing.
 */
export function openSqliteStore(options: SqliteStoreOptions): KeyValueStore {
  mkdirSync(options.dir, { recursive: true })
  const path = join(options.dir, options.fileName ?? 'invite-bridge.sqlite')
  const busyRetryMs = options.busyRetryMs ?? DEFAULT_BUSY_RETRY_MS
  const db = new DatabaseSync(path)
  try {
    // busy_timeout comes first: switching to WAL and creating the table take
    // locks too, and another process may be opening the same file right now.
    db.exec(`PRAGMA busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`)
    db.exec('PRAGMA journal_mode = WAL')
    // FULL fsyncs the WAL at every commit, so an acknowledged claim survives
    // a power loss, not only a crash of the process. NORMAL in WAL mode
    // fsyncs only at checkpoints: still safe against kill -9 (the WAL sits in
    // the OS cache), but a power cut may drop the last commits, and with
    // them the claim of an invite already sent, which would then go out
    // twice. On a VM disk a FULL commit took 0.5-2 ms against NORMAL's
    // 0.01-0.1 ms; grouping the writes of a turn into one commit is how the
    // store pays that less often.
    db.exec('PRAGMA synchronous = FULL')
    db.exec('CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, value TEXT NOT NULL, etag TEXT NOT NULL)')
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`)
  } catch (error) {
    db.close()
    const hint = isBusy(error) ? `: another process held its lock for over ${OPEN_BUSY_TIMEOUT_MS / 1000} s` : ''
    throw new Error(`Could not open the SQLite store ${path}${hint}`, { cause: error })
  }

  const select = db.prepare('SELECT value, etag FROM records WHERE key = ?')
  const insert = db.prepare('INSERT INTO records (key, value, etag) VALUES (?, ?, ?) ON CONFLICT(key) DO NOTHING')
  const update = db.prepare('UPDATE records SET value = ?, etag = ? WHERE key = ? AND etag = ?')
  // A prefix is a key range: [prefix, prefix + U+FFFF), so the primary key's index serves it (LIKE would not, and would treat _ and % as wildcards).
  const ascending = db.prepare('SELECT key, value, etag FROM records WHERE key >= ? AND key < ? AND key > ? ORDER BY key ASC LIMIT ?')
  const descending = db.prepare('SELECT key, value, etag FROM records WHERE key >= ? AND key < ? AND key < ? ORDER BY key DESC LIMIT ?')
  const remove = db.prepare('DELETE FROM records WHERE key = ?')
  const removeIf = db.prepare('DELETE FROM records WHERE key = ? AND etag = ?')
  let open = true
  const attempt = <R>(operation: string, key: string, run: () => R) => retryWhileBusy({ operation, key, run, budgetMs: busyRetryMs })
  const current = (operation: string, key: string) => attempt(operation, key, () => select.get(key) as Row | undefined)
  const relaxed = options.relaxedPrefixes ?? []
  const writes = groupCommits({ db, busyRetryMs, isOpen: () => open, isRelaxed: (key) => relaxed.some((prefix) => key.startsWith(prefix)) })

  return {
    async get<T>(key: string): Promise<StoredRecord<T> | null> {
      const row = await current('read', key)
      return row ? { value: JSON.parse(row.value) as T, etag: row.etag } : null
    },
    async create<T>(key: string, value: T) {
      // Serialised before anything else: a value that is not JSON is a bug, not an outage.
      const json = JSON.stringify(value)
      if (await current('create', key)) return { created: false as const }
      return writes.run('create', key, () => {
        const etag = randomUUID()
        const { changes } = insert.run(key, json, etag)
        return changes === 1 ? { created: true as const, etag } : { created: false as const }
      })
    },
    async replace<T>(key: string, value: T, etag: string) {
      const json = JSON.stringify(value)
      if ((await current('replace', key))?.etag !== etag) return { replaced: false as const }
      return writes.run('replace', key, () => {
        const next = randomUUID()
        const { changes } = update.run(json, next, key, etag)
        return changes === 1 ? { replaced: true as const, etag: next } : { replaced: false as const }
      })
    },
    async list<T>(prefix: string, options?: ListOptions): Promise<ListPage<T>> {
      const limit = listLimit(options)
      return attempt('list', prefix, () => {
        const end = `${prefix}\uffff`
        const rows = (
          options?.reverse
            ? descending.all(prefix, end, options.after ?? end, limit + 1)
            : ascending.all(prefix, end, options?.after ?? '', limit + 1)
        ) as unknown as ListedRow[]
        const page = rows.slice(0, limit)
        return {
          records: page.map((row) => ({ key: row.key, value: JSON.parse(row.value) as T, etag: row.etag })),
          next: rows.length > limit ? page.at(-1)!.key : null,
        }
      })
    },
    async delete(key: string, etag?: string) {
      // Through the groups like any write, so it is committed as its key asks (a pending event's delete waits for the disk).
      return writes.run('delete', key, () => {
        const { changes } = etag === undefined ? remove.run(key) : removeIf.run(key, etag)
        return { deleted: changes === 1 }
      })
    },
    close() {
      if (open) {
        open = false
        writes.abandon()
        db.close()
      }
    },
  }
}

interface QueuedWrite {
  operation: string
  key: string
  run: () => unknown
  resolve: (result: any) => void
  reject: (error: unknown) => void
}

/**
 * The writes of one turn of the event loop, committed together. One group
 * is written at a time: while it waits for the file's write lock (another
 * process holds it; waited out with timers, as reads are), later writes
 * gather for the next. A group either commits whole or fails whole, and no
 * write in it is acknowledged before its COMMIT returned.
 */
function groupCommits(options: { db: DatabaseSync; busyRetryMs: number; isOpen: () => boolean; isRelaxed: (key: string) => boolean }) {
  const { db, busyRetryMs, isOpen, isRelaxed } = options
  let queue: QueuedWrite[] = []
  let writing = false
  let synchronous: 'FULL' | 'NORMAL' = 'FULL'

  const unavailable = (write: QueuedWrite, cause?: unknown) =>
    new UpstreamError(503, 'store_unavailable', `SQLite store could not ${write.operation} "${write.key}"`, cause === undefined ? {} : { cause })

  async function writeGroup(): Promise<void> {
    const group = queue
    queue = []
    const wanted = group.every((write) => isRelaxed(write.key)) ? 'NORMAL' : 'FULL'
    try {
      if (wanted !== synchronous) {
        db.exec(`PRAGMA synchronous = ${wanted}`)
        synchronous = wanted
      }
      const first = group[0]!
      await retryWhileBusy({ operation: first.operation, key: first.key, run: () => db.exec('BEGIN IMMEDIATE'), budgetMs: busyRetryMs })
    } catch (error) {
      // Every write in the group waited as long as the first: each hears of it under its own key.
      for (const write of group) write.reject(error instanceof UpstreamError && error.code === 'store_busy' ? busy(write, busyRetryMs, error.cause) : unavailable(write, error))
      return
    }
    let results: unknown[]
    try {
      results = group.map((write) => write.run())
      db.exec('COMMIT')
    } catch (error) {
      try {
        db.exec('ROLLBACK')
      } catch {
        // Nothing began, or it is already undone.
      }
      for (const write of group) write.reject(unavailable(write, error))
      return
    }
    group.forEach((write, i) => write.resolve(results[i]))
  }

  async function drain(): Promise<void> {
    writing = true
    // Let the rest of this turn add its writes first.
    await new Promise((resolve) => setImmediate(resolve))
    while (queue.length && isOpen()) await writeGroup()
    writing = false
  }

  return {
    run<R>(operation: string, key: string, run: () => R): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        const write = { operation, key, run, resolve, reject }
        if (!isOpen()) return reject(unavailable(write))
        queue.push(write)
        if (!writing) void drain()
      })
    },
    /** The store is closing: writes not yet begun are refused, never half-done. */
    abandon() {
      for (const write of queue.splice(0)) write.reject(unavailable(write))
    },
  }
}

function busy(write: { operation: string; key: string }, budgetMs: number, cause: unknown): UpstreamError {
  return new UpstreamError(503, 'store_busy', `SQLite store could not ${write.operation} "${write.key}": another process held the lock for over ${budgetMs} ms`, {
    retryAfter: 1,
    cause,
  })
}

/**
 * Runs one statement; while the file is locked by another writer, tries
 * again after a growing, jittered pause (jitter so waiting processes do not
 * retry in lockstep), until `budgetMs` is spent. Any failure means "try
 * again later": 503 store_busy for a lock held too long, store_unavailable
 * for the rest (disk full, closed).
 */
async function retryWhileBusy<R>(attempt: { operation: string; key: string; run: () => R; budgetMs: number }): Promise<R> {
  const { operation, key, run, budgetMs } = attempt
  const deadline = Date.now() + budgetMs
  for (let round = 0; ; round++) {
    try {
      return run()
    } catch (error) {
      if (error instanceof BridgeError) throw error
      if (!isBusy(error)) {
        throw new UpstreamError(503, 'store_unavailable', `SQLite store could not ${operation} "${key}"`, { cause: error })
      }
      const left = deadline - Date.now()
      if (left <= 0) throw busy({ operation, key }, budgetMs, error)
      const pause = Math.min(100, 2 ** round) * (0.5 + Math.random())
      await sleep(Math.min(pause, left))
    }
  }
}

/** SQLITE_BUSY and SQLITE_LOCKED, including their extended codes (the low byte is the primary code). */
function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: unknown } | null)?.errcode
  return typeof code === 'number' && ((code & 0xff) === SQLITE_BUSY || (code & 0xff) === SQLITE_LOCKED)
}

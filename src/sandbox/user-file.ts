import { randomUUID } from 'node:crypto'
import { appendFileSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import type { StoredUser } from './user-record.ts'

/** One line of the file after its first: a record written whole, a record gone, or every record gone. */
export type UserChange = { put: StoredUser } | { remove: string } | { clear: true }

/**
 * The sandbox's users on disk, as JSON lines: the first line is a snapshot
 * `{"users":[…]}`, each later line one change. An invite appends one line
 * before it is answered, instead of rewriting every user, so N invites cost
 * N appends rather than N² bytes. The file is rewritten whole (atomically)
 * when it is opened and when the changes outgrow the snapshot.
 */
export interface UserFile {
  /** Appends synchronously: once this returns, the change survives the process being killed. `live` already includes it. */
  append(change: UserChange, live: ReadonlyMap<string, StoredUser>): void
}

/** Changes kept before a rewrite is worth it; beyond this, a rewrite once the changes outnumber the users. */
const MIN_CHANGES_BEFORE_REWRITE = 1000

/** Reads `file` (absent is empty), rewrites it as one snapshot, and returns the users with the file to append to. */
export function openUserFile(file: string): { users: StoredUser[]; file: UserFile } {
  const text = readIfPresent(file)
  const users = text === null ? [] : parse(text, file)
  // Rewritten at once: drops a line cut short by a crash, so appends never glue onto it.
  if (text !== null) rewrite(file, users)
  let exists = text !== null
  let changes = 0
  return {
    users,
    file: {
      append(change, live) {
        if (!exists) {
          // The first line must be a snapshot; the change is already in it.
          rewrite(file, [...live.values()])
          exists = true
          return
        }
        appendFileSync(file, `${JSON.stringify(change)}\n`)
        changes++
        if (changes > MIN_CHANGES_BEFORE_REWRITE && changes > live.size) {
          rewrite(file, [...live.values()])
          changes = 0
        }
      },
    },
  }
}

function readIfPresent(file: string): string | null {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

/** Both shapes: JSON lines, and the single pretty-printed `{ "users": […] }` that earlier versions wrote. */
function parse(text: string, file: string): StoredUser[] {
  if (text.trim() === '') return []
  const lines = text.split('\n')
  const first = tryJson(lines[0] ?? '')
  if (first === undefined) return snapshotUsers(JSON.parse(text), file)
  const byId = new Map(snapshotUsers(first, file).map((record) => [record.user.id, record]))
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line === '') continue
    const change = tryJson(line) as UserChange | undefined
    // A last line without its newline is an append cut short by a crash: it was never acknowledged.
    if (change === undefined && i === lines.length - 1) break
    if (change === undefined) throw new Error(`Identity sandbox data file ${file}: line ${i + 1} is not JSON; fix or delete the file`)
    if ('put' in change) byId.set(change.put.user.id, change.put)
    else if ('remove' in change) byId.delete(change.remove)
    else byId.clear()
  }
  return [...byId.values()]
}

function snapshotUsers(parsed: unknown, file: string): StoredUser[] {
  const users = (parsed as { users?: unknown } | null)?.users
  if (!Array.isArray(users)) throw new Error(`Identity sandbox data file ${file} has no "users" array: delete it or point dataFile elsewhere`)
  return users as StoredUser[]
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Atomic (temp file, fsync, rename): a crash leaves the old file or the new one, never half. */
function rewrite(file: string, users: StoredUser[]): void {
  mkdirSync(dirname(file), { recursive: true })
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`
  const fd = openSync(temp, 'w')
  try {
    writeSync(fd, `${JSON.stringify({ users })}\n`)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temp, file)
}

import { randomUUID } from 'node:crypto'
import { dirname } from 'node:path'
import { acquireFileLock } from './file-lock.ts'
import { openUserFile, type UserFile } from './user-file.ts'
import type { StoredUser } from './user-record.ts'

export type { SandboxUser, StoredUser } from './user-record.ts'

export interface UserRepository {
  /** Every record, oldest first. */
  all(): StoredUser[]
  byId(id: string): StoredUser | undefined
  /** Case-insensitive, as GoTrue's database collation compares. */
  byEmail(email: string): StoredUser | undefined
  byConfirmationToken(token: string): StoredUser | undefined
  byRefreshToken(token: string): StoredUser | undefined
  /** Adds the record, or takes in what was changed on it in place; on disk (if there is a data file) when this returns. */
  save(record: StoredUser): void
  remove(id: string): boolean
  clear(): void
  /** Lets another sandbox open the data file. */
  close(): void
}

/**
 * Users in memory, indexed so each request costs the same with ten users or
 * ten thousand, and written to `dataFile` change by change. One process owns
 * the file at a time: a second sandbox on it is refused, since each would
 * answer from its own memory and their writes would interleave.
 */
export function createUserRepository(dataFile?: string): UserRepository {
  const lock = dataFile ? acquireFileLock(`${dataFile}.lock`, (pid) => inUseMessage(dataFile, pid)) : undefined
  let opened: { users: StoredUser[]; file?: UserFile }
  try {
    opened = dataFile ? openUserFile(dataFile) : { users: [], file: undefined }
  } catch (error) {
    lock?.release()
    throw error
  }
  const { file } = opened
  const records = new Map<string, StoredUser>()
  // Email, confirmation and refresh tokens → user id. A record's fields may
  // change in place before save() refiles it, so every hit is checked.
  const index = new Map<string, string>()
  const filedUnder = new Map<string, string[]>()

  function refile(record: StoredUser): void {
    const id = record.user.id
    for (const key of filedUnder.get(id) ?? []) if (index.get(key) === id) index.delete(key)
    const keys = [
      `email:${record.user.email.toLowerCase()}`,
      ...(record.confirmationToken ? [`confirm:${record.confirmationToken}`] : []),
      ...record.refreshTokens.map((token) => `refresh:${token}`),
    ]
    for (const key of keys) index.set(key, id)
    filedUnder.set(id, keys)
  }
  function lookup(key: string, holds: (record: StoredUser) => boolean): StoredUser | undefined {
    const id = index.get(key)
    const record = id === undefined ? undefined : records.get(id)
    return record && holds(record) ? record : undefined
  }
  for (const record of opened.users) {
    records.set(record.user.id, record)
    refile(record)
  }

  return {
    all: () => [...records.values()],
    byId: (id) => records.get(id),
    byEmail(email) {
      const lower = email.toLowerCase()
      return lookup(`email:${lower}`, (r) => r.user.email.toLowerCase() === lower)
    },
    byConfirmationToken: (token) => lookup(`confirm:${token}`, (r) => r.confirmationToken === token),
    byRefreshToken: (token) => lookup(`refresh:${token}`, (r) => r.refreshTokens.includes(token)),
    save(record) {
      records.set(record.user.id, record)
      refile(record)
      file?.append({ put: record }, records)
    },
    remove(id) {
      if (!records.delete(id)) return false
      for (const key of filedUnder.get(id) ?? []) if (index.get(key) === id) index.delete(key)
      filedUnder.delete(id)
      file?.append({ remove: id }, records)
      return true
    },
    clear() {
      records.clear()
      index.clear()
      filedUnder.clear()
      file?.append({ clear: true }, records)
    },
    close() {
      lock?.release()
    },
  }
}

function inUseMessage(dataFile: string, pid: number): string {
  return (
    `The identity sandbox folder ${dirname(dataFile)} is in use by another server (pid ${pid}): ` +
    `stop that one, or give this one its own folder (BRIDGE_DATA_DIR). ` +
    `If no such process runs, delete ${dataFile}.lock.`
  )
}

/** A new invited user as POST /invite creates it: no role, provider email, not confirmed. */
export function newInvitedUser(email: string, data: Record<string, unknown> | null, at: string, token: string): StoredUser {
  return {
    user: {
      id: randomUUID(),
      aud: '',
      role: '',
      email,
      invited_at: at,
      app_metadata: { provider: 'email' },
      user_metadata: data,
      created_at: at,
      updated_at: at,
    },
    confirmationToken: token,
    refreshTokens: [],
  }
}

/**
 * GoTrue's metadata update: one level deep, top-level keys replace, `null`
 * deletes. Nested objects and arrays are replaced whole, never merged.
 */
export function mergeMetadata(current: Record<string, unknown> | null, updates: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current }
  for (const [key, value] of Object.entries(updates)) {
    if (value === null) delete merged[key]
    else merged[key] = value
  }
  return merged
}

/** Go's RFC3339Nano: trailing zeros of the fraction dropped, the fraction dropped when zero. */
export function goTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z')
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

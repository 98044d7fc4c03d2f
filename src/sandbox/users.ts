import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { randomUUID } from 'node:crypto'

/** A user as GoTrue serialises it; unset timestamps are absent, as Go's omitempty leaves them. */
export interface SandboxUser {
  id: string
  aud: string
  role: string
  email: string
  confirmed_at?: string
  invited_at?: string
  confirmation_sent_at?: string
  last_sign_in_at?: string
  app_metadata: Record<string, unknown>
  user_metadata: Record<string, unknown> | null
  created_at: string
  updated_at: string
}

/** What the sandbox keeps beside the public user: secrets never leave through the API. */
export interface StoredUser {
  user: SandboxUser
  passwordHash?: string
  /** The invite token until it is used. */
  confirmationToken?: string
  refreshTokens: string[]
}

export interface UserRepository {
  /** Every record, oldest first. */
  all(): StoredUser[]
  byId(id: string): StoredUser | undefined
  /** Case-insensitive, as GoTrue's database collation compares. */
  byEmail(email: string): StoredUser | undefined
  byConfirmationToken(token: string): StoredUser | undefined
  byRefreshToken(token: string): StoredUser | undefined
  add(record: StoredUser): void
  remove(id: string): boolean
  clear(): void
  /** Writes the current state to the data file, if there is one; call after every change. */
  persist(): void
}

export function createUserRepository(dataFile?: string): UserRepository {
  const records: StoredUser[] = dataFile ? load(dataFile) : []
  const find = (test: (record: StoredUser) => boolean) => records.find(test)

  return {
    all: () => [...records],
    byId: (id) => find((r) => r.user.id === id),
    byEmail: (email) => find((r) => r.user.email.toLowerCase() === email.toLowerCase()),
    byConfirmationToken: (token) => find((r) => r.confirmationToken === token),
    byRefreshToken: (token) => find((r) => r.refreshTokens.includes(token)),
    add(record) {
      records.push(record)
    },
    remove(id) {
      const index = records.findIndex((r) => r.user.id === id)
      if (index < 0) return false
      records.splice(index, 1)
      return true
    },
    clear() {
      records.length = 0
    },
    persist() {
      if (dataFile) save(dataFile, records)
    },
  }
}

function load(file: string): StoredUser[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const parsed = JSON.parse(text) as { users?: unknown }
  if (!Array.isArray(parsed.users)) {
    throw new Error(`Identity sandbox data file ${file} has no "users" array: delete it or point dataFile elsewhere`)
  }
  return parsed.users as StoredUser[]
}

/** Synchronous and atomic (temp file, then rename): a crash leaves the old file or the new one, never half. */
function save(file: string, records: StoredUser[]): void {
  mkdirSync(dirname(file), { recursive: true })
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`
  writeFileSync(temp, JSON.stringify({ users: records }, null, 2))
  renameSync(temp, file)
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

import { claimWaiting, type ClaimOptions } from './claims.ts'
import { personId } from '../domain/email.ts'
import type { IdentityUser, RoleAdmin } from '../domain/identity.ts'

export type RoleChange =
  | { status: 'applied'; userId: string; roles: string[]; added: string[]; removed: string[]; skipped?: string[] }
  /** Nobody has an account at this address: a revoke is a no-op, a grant has no one to go to. */
  | { status: 'no_account' }
  /** Another change for this person held the lock for longer than we waited. */
  | { status: 'busy'; retryAfterSeconds: number }

export interface RoleChangeDeps extends ClaimOptions {
  hashKey: () => Promise<string>
  /** How long to wait for another change to the same person before answering "busy". */
  waitMs?: number
  /** IDENTITY_TIMEOUT_MS: what one identity call under the lock may take. */
  identityTimeoutMs?: number
  sleep?: (ms: number) => Promise<void>
}

// Longer than everything done under the lock can take: a read by id, a look-up of up to five pages and the
// write, each an identity call with its own timeout (seven in all; eight for margin), and never under a minute.
const LOCK_LEASE_MS = 60_000
const IDENTITY_CALLS_UNDER_LOCK = 8

function roleLockLeaseMs(identityTimeoutMs: number | undefined): number {
  return Math.max(LOCK_LEASE_MS, IDENTITY_CALLS_UNDER_LOCK * (identityTimeoutMs ?? 0))
}

export interface RoleChangeRequest {
  email: string
  userId?: string
  /**
   * The person's lock and history key, when the ledger recorded it (the hash
   * of the address the account was first reached at, which may not be its
   * address today); otherwise the hash of `email`.
   */
  personId?: string
  grant: string[]
  revoke: string[]
  /** When the event happened (ms). A change older than the last one applied to a role is skipped. */
  at: number
}

/** Per person: when each role was last granted or revoked, by event time. */
type RoleHistory = Record<string, { change: 'grant' | 'revoke'; at: number }>

/**
 * Roles are read, changed and written back (GoTrue has no "add a role"), so
 * two events changing one person at once would lose an update. Each change
 * therefore holds a per-person lock in the store: a claim that is released,
 * not completed, when the change is written.
 */
export async function changeRoles(
  request: RoleChangeRequest,
  admin: RoleAdmin,
  deps: RoleChangeDeps,
): Promise<RoleChange> {
  const person = request.personId ?? personId(request.email, await deps.hashKey())
  const key = `roles/${person}`
  const attempt = await claimWaiting(key, { ...deps, leaseMs: roleLockLeaseMs(deps.identityTimeoutMs), waitMs: deps.waitMs ?? 3000 })
  if (attempt.kind === 'busy') return { status: 'busy', retryAfterSeconds: attempt.retryAfterSeconds }
  if (attempt.kind === 'done') throw new Error(`role lock ${key} is marked done; locks are only ever released`)
  try {
    return await applyUnderLock(request, admin, { ...deps, key: `role-history/${person}` })
  } finally {
    await attempt.claim.release().catch(() => {})
  }
}

/**
 * Providers deliver out of order (Stripe retries a failed delivery for days),
 * so a grant that arrives after a later cancellation must not bring the role
 * back. Each role keeps the event time of its last change; older changes lose.
 */
async function applyUnderLock(request: RoleChangeRequest, admin: RoleAdmin, history: { store: RoleChangeDeps['store']; key: string }): Promise<RoleChange> {
  const past = await history.store.get<RoleHistory>(history.key)
  const newer = (role: string) => (past?.value[role]?.at ?? -Infinity) <= request.at
  const grant = request.grant.filter(newer)
  const revoke = request.revoke.filter(newer)
  const skipped = [...request.grant, ...request.revoke].filter((role) => !newer(role))

  const user = (request.userId ? await admin.getUserById(request.userId) : null) ?? (await admin.findUserByEmail(request.email))
  let applied: RoleChange = { status: 'no_account' }
  if (user) {
    const current = currentRoles(user)
    const next = [...new Set([...current, ...grant])].filter((role) => !revoke.includes(role))
    const added = next.filter((role) => !current.includes(role))
    const removed = current.filter((role) => !next.includes(role))
    if (added.length || removed.length) await admin.setRoles(user.id, next)
    applied = { status: 'applied', userId: user.id, roles: next, added, removed, ...(skipped.length ? { skipped } : {}) }
  }

  // Remembered even without an account: a cancellation that arrives before
  // the (retried) purchase that creates the account must still win over it.
  if (grant.length || revoke.length) {
    const updated: RoleHistory = { ...past?.value }
    for (const role of grant) updated[role] = { change: 'grant', at: request.at }
    for (const role of revoke) updated[role] = { change: 'revoke', at: request.at }
    // We hold the person's lock, so nobody else writes this record meanwhile.
    const written = past ? await history.store.replace(history.key, updated, past.etag) : await history.store.create(history.key, updated)
    if (!('replaced' in written ? written.replaced : written.created)) throw new Error(`role history ${history.key} changed while its lock was held`)
  }
  return applied
}

function currentRoles(user: IdentityUser): string[] {
  const roles = user.app_metadata?.roles
  // A hand-edited string (which breaks Netlify's dashboard) is read as one role and written back as an array.
  if (typeof roles === 'string') return roles ? [roles] : []
  return Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string') : []
}

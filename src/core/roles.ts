import { tryClaim, type ClaimOptions } from './claims.ts'
import { personId } from './email.ts'
import type { IdentityUser } from './identity.ts'

/** The admin calls a role change needs; GoTrue implements them in gotrue-client.ts. */
export interface RoleAdmin {
  /** The user with exactly this address (the admin filter is a LIKE: the caller gets only an exact match). */
  findUserByEmail(email: string): Promise<IdentityUser | null>
  getUserById(id: string): Promise<IdentityUser | null>
  /** Writes `app_metadata.roles` (GoTrue merges app_metadata one level deep, so this replaces the roles array only). */
  setRoles(id: string, roles: string[]): Promise<void>
}

export type RoleChange =
  | { status: 'applied'; userId: string; roles: string[]; added: string[]; removed: string[] }
  /** Nobody has an account at this address: a revoke is a no-op, a grant has no one to go to. */
  | { status: 'no_account' }
  /** Another change for this person held the lock for longer than we waited. */
  | { status: 'busy'; retryAfterSeconds: number }

export interface RoleChangeDeps extends ClaimOptions {
  hashKey: () => Promise<string>
  /** How long to wait for another change to the same person before answering "busy". */
  waitMs?: number
  sleep?: (ms: number) => Promise<void>
}

const LOCK_LEASE_MS = 15_000

/**
 * Roles are read, changed and written back (GoTrue has no "add a role"), so
 * two events changing one person at once would lose an update. Each change
 * therefore holds a per-person lock in the store: a claim that is released,
 * not completed, when the change is written.
 */
export async function changeRoles(
  request: { email: string; userId?: string; grant: string[]; revoke: string[] },
  admin: RoleAdmin,
  deps: RoleChangeDeps,
): Promise<RoleChange> {
  const key = `roles/${personId(request.email, await deps.hashKey())}`
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)))
  const deadline = deps.now() + (deps.waitMs ?? 4000)
  let pause = 25
  for (;;) {
    const attempt = await tryClaim(key, { ...deps, leaseMs: LOCK_LEASE_MS })
    if (attempt.kind === 'claimed') {
      try {
        return await applyUnderLock(request, admin)
      } finally {
        await attempt.claim.release().catch(() => {})
      }
    }
    if (attempt.kind === 'done') throw new Error(`role lock ${key} is marked done; locks are only ever released`)
    if (deps.now() + pause > deadline) return { status: 'busy', retryAfterSeconds: attempt.retryAfterSeconds }
    await sleep(pause)
    pause = Math.min(pause * 2, 400)
  }
}

async function applyUnderLock(request: { email: string; userId?: string; grant: string[]; revoke: string[] }, admin: RoleAdmin): Promise<RoleChange> {
  const user = (request.userId ? await admin.getUserById(request.userId) : null) ?? (await admin.findUserByEmail(request.email))
  if (!user) return { status: 'no_account' }
  const current = currentRoles(user)
  const next = [...new Set([...current, ...request.grant])].filter((role) => !request.revoke.includes(role))
  const added = next.filter((role) => !current.includes(role))
  const removed = current.filter((role) => !next.includes(role))
  if (added.length || removed.length) await admin.setRoles(user.id, next)
  return { status: 'applied', userId: user.id, roles: next, added, removed }
}

function currentRoles(user: IdentityUser): string[] {
  const roles = user.app_metadata?.roles
  // A hand-edited string (which breaks Netlify's dashboard) is read as one role and written back as an array.
  if (typeof roles === 'string') return roles ? [roles] : []
  return Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string') : []
}

import { beforeEach, describe, expect, it } from 'vitest'

import { personId } from '../../../src/core/domain/email.ts'
import type { IdentityUser } from '../../../src/core/domain/identity.ts'
import { tryClaim } from '../../../src/core/exactly-once/claims.ts'
import { createMemoryStore } from '../../../src/core/exactly-once/memory-store.ts'
import type { RoleAdmin } from '../../../src/core/domain/identity.ts'
import { changeRoles, type RoleChangeDeps } from '../../../src/core/exactly-once/roles.ts'

// What these add to test/core/roles.test.ts (which runs against the GoTrue-contract server):
// the lock and the history under an injected clock, and the admin calls counted.

const HASH_KEY = 'unit-test-hash-key'
const ANN = 'ann@example.com'
const DAY = 86_400_000
const JAN_1 = Date.UTC(2026, 0, 1)

let t: number
let deps: RoleChangeDeps
let pauses: number[]

beforeEach(() => {
  t = Date.UTC(2026, 4, 1, 12)
  pauses = []
  const sleep = async (ms: number) => {
    pauses.push(ms)
    t += ms
  }
  deps = { store: createMemoryStore(), now: () => t, leaseMs: 15_000, hashKey: async () => HASH_KEY, sleep }
})

/** GoTrue's user admin, in memory, counting the writes. */
function fakeAdmin(users: IdentityUser[] = []) {
  const writes: Array<{ id: string; roles: string[] }> = []
  const admin: RoleAdmin & { writes: typeof writes; rolesOf(email: string): unknown } = {
    writes,
    async findUserByEmail(email) {
      return users.find((user) => user.email === email) ?? null
    },
    async getUserById(id) {
      return users.find((user) => user.id === id) ?? null
    },
    async setRoles(id, roles) {
      writes.push({ id, roles })
      const user = users.find((candidate) => candidate.id === id)!
      user.app_metadata = { ...user.app_metadata, roles }
    },
    rolesOf: (email) => users.find((user) => user.email === email)?.app_metadata?.roles,
  }
  return admin
}

const ann = (roles?: unknown): IdentityUser => ({ id: 'u-ann', email: ANN, app_metadata: roles === undefined ? {} : { roles } })
const change = (grant: string[], revoke: string[], at: number) => ({ email: ANN, grant, revoke, at })

describe('changeRoles: the per-person lock', () => {
  const lockKey = `roles/${personId(ANN, HASH_KEY)}`

  it('answers busy, touching nobody, when another change holds the person past waitMs', async () => {
    await tryClaim(lockKey, { ...deps, leaseMs: 60_000 })
    const admin = fakeAdmin([ann()])
    const result = await changeRoles(change(['pro'], [], JAN_1), admin, { ...deps, waitMs: 1_000 })
    const slept = pauses.reduce((sum, ms) => sum + ms, 0)
    expect(result).toEqual({ status: 'busy', retryAfterSeconds: Math.ceil((60_000 - slept) / 1000) })
    expect(slept).toBeLessThanOrEqual(1_000)
    expect(admin.writes).toEqual([])
  })

  it('waits out a change that finishes during the wait, then applies', async () => {
    const holder = await tryClaim(lockKey, { ...deps, leaseMs: 60_000 })
    if (holder.kind !== 'claimed') throw new Error('the test could not hold the lock')
    deps.sleep = async (ms) => {
      pauses.push(ms)
      if (pauses.length === 3) await holder.claim.release()
    }
    const admin = fakeAdmin([ann()])
    expect(await changeRoles(change(['pro'], [], JAN_1), admin, deps)).toMatchObject({ status: 'applied', added: ['pro'] })
    expect(pauses).toHaveLength(3)
  })

  it("holds the lock at least a minute, and longer than eight identity calls when IDENTITY_TIMEOUT_MS is long", async () => {
    const leaseWhileApplying = async (identityTimeoutMs?: number) => {
      let leaseUntil = 0
      const admin = fakeAdmin([ann()])
      const write = admin.setRoles.bind(admin)
      admin.setRoles = async (id, roles) => {
        leaseUntil = ((await deps.store.get<{ leaseUntil: number }>(lockKey))?.value.leaseUntil ?? 0) - t
        return write(id, roles)
      }
      await changeRoles(change(['pro'], [], JAN_1), admin, { ...deps, ...(identityTimeoutMs ? { identityTimeoutMs } : {}) })
      return leaseUntil
    }
    expect(await leaseWhileApplying()).toBe(60_000)
    expect(await leaseWhileApplying(5_000)).toBe(60_000)
    expect(await leaseWhileApplying(10_000)).toBe(80_000)
  })

  it('gives the lock back when identity fails, so the retry is not busy', async () => {
    const admin = fakeAdmin([ann()])
    admin.setRoles = async () => {
      throw new Error('identity answered 503')
    }
    await expect(changeRoles(change(['pro'], [], JAN_1), admin, deps)).rejects.toThrow('identity answered 503')
    expect(await changeRoles(change(['pro'], [], JAN_1), fakeAdmin([ann()]), deps)).toMatchObject({ status: 'applied' })
    expect(pauses).toEqual([])
  })
})

describe('changeRoles: history by event time', () => {
  it('a skipped change does not rewind the history: a later-arriving change between the two still loses', async () => {
    const admin = fakeAdmin([ann(['pro'])])
    await changeRoles(change([], ['pro'], JAN_1 + 3 * DAY), admin, deps)
    // 'basic' applies, so this change writes history, but not for the 'pro' it skipped.
    expect(await changeRoles(change(['pro', 'basic'], [], JAN_1 + DAY), admin, deps)).toMatchObject({ added: ['basic'], skipped: ['pro'] })
    expect(await changeRoles(change(['pro'], [], JAN_1 + 2 * DAY), admin, deps)).toMatchObject({ added: [], skipped: ['pro'] })
    expect(admin.rolesOf(ANN)).toEqual(['basic'])
  })

  it('a change with the same event time as the last one applies (a redelivery is not older)', async () => {
    const admin = fakeAdmin([ann()])
    await changeRoles(change(['pro'], [], JAN_1), admin, deps)
    expect(await changeRoles(change([], ['pro'], JAN_1), admin, deps)).toMatchObject({ status: 'applied', removed: ['pro'] })
  })

  it('a grant without an account is remembered too: an older revoke that arrives after the account exists is skipped', async () => {
    const users: IdentityUser[] = []
    const admin = fakeAdmin(users)
    expect(await changeRoles(change(['pro'], [], JAN_1 + DAY), admin, deps)).toEqual({ status: 'no_account' })
    expect(admin.writes).toEqual([])
    users.push(ann(['pro']))
    expect(await changeRoles(change([], ['pro'], JAN_1), admin, deps)).toMatchObject({ status: 'applied', removed: [], skipped: ['pro'] })
    expect(admin.rolesOf(ANN)).toEqual(['pro'])
  })
})

describe('changeRoles: the user and their roles', () => {
  it('finds the user by id when given one, and by address when the id is unknown', async () => {
    const admin = fakeAdmin([ann(), { id: 'u-other', email: 'other@example.com' }])
    expect(await changeRoles({ ...change(['pro'], [], JAN_1), userId: 'u-other' }, admin, deps)).toMatchObject({ userId: 'u-other' })
    expect(await changeRoles({ ...change(['pro'], [], JAN_1), userId: 'u-gone' }, admin, deps)).toMatchObject({ userId: 'u-ann' })
  })

  it('writes nothing when the roles would not change', async () => {
    const admin = fakeAdmin([ann(['pro'])])
    expect(await changeRoles(change(['pro'], ['basic'], JAN_1), admin, deps)).toEqual({
      status: 'applied',
      userId: 'u-ann',
      roles: ['pro'],
      added: [],
      removed: [],
    })
    expect(admin.writes).toEqual([])
  })

  it('reads a hand-edited string role as one role and writes the roles back as an array', async () => {
    const admin = fakeAdmin([ann('basic')])
    await changeRoles(change(['pro'], [], JAN_1), admin, deps)
    expect(admin.writes).toEqual([{ id: 'u-ann', roles: ['basic', 'pro'] }])
  })
})

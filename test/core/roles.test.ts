import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createGoTrueClient } from '../../src/core/clients/gotrue-client.ts'
import { changeRoles, type RoleChangeDeps } from '../../src/core/exactly-once/roles.ts'
import type { KeyValueStore } from '../../src/core/exactly-once/store.ts'
import { serveIdentitySandbox, type ServedIdentitySandbox } from '../../src/sandbox/serve.ts'
import { openSqliteStore } from '../../src/stores/sqlite-store.ts'

let identity: ServedIdentitySandbox
let store: KeyValueStore
let dir: string
const jwtSecret = randomBytes(32).toString('hex')

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'invite-bridge-roles-'))
  store = openSqliteStore({ dir })
  identity = await serveIdentitySandbox({ jwtSecret, siteUrl: 'http://localhost:8888' })
})
afterEach(async () => {
  await identity.close()
  await store.close?.()
  await rm(dir, { recursive: true, force: true })
})

const client = () => createGoTrueClient({ target: { url: identity.url, credential: { kind: 'jwt-secret', secret: jwtSecret } }, timeoutMs: 2000 })
const deps = (): RoleChangeDeps => ({ store, now: Date.now, leaseMs: 15_000, hashKey: async () => 'test-hash-key' })
const rolesOf = (email: string) => identity.sandbox.users().find((user) => user.email === email)?.app_metadata?.roles

async function invite(email: string) {
  const result = await client().invite(email)
  if (result.outcome !== 'invited') throw new Error(`could not invite ${email}`)
  return result.userId
}

describe('changeRoles against a GoTrue-contract server', () => {
  it('grants roles to a user found by exact address (the admin filter is a LIKE)', async () => {
    await invite('ann@example.com')
    await invite('joann@example.com') // also matches the LIKE filter "ann@example.com"
    const change = await changeRoles({ email: 'ann@example.com', grant: ['pro'], revoke: [], at: Date.now() }, client(), deps())
    expect(change).toMatchObject({ status: 'applied', roles: ['pro'], added: ['pro'] })
    expect(rolesOf('ann@example.com')).toEqual(['pro'])
    expect(rolesOf('joann@example.com')).toBeUndefined()
  })

  it('adds to the roles already there, and keeps the rest of app_metadata', async () => {
    await invite('ann@example.com')
    await changeRoles({ email: 'ann@example.com', grant: ['basic'], revoke: [], at: Date.now() }, client(), deps())
    await changeRoles({ email: 'ann@example.com', grant: ['pro'], revoke: [], at: Date.now() }, client(), deps())
    expect(rolesOf('ann@example.com')).toEqual(['basic', 'pro'])
    expect(identity.sandbox.users()[0]!.app_metadata).toMatchObject({ provider: 'email' })
  })

  it('revokes only the listed roles', async () => {
    await invite('ann@example.com')
    await changeRoles({ email: 'ann@example.com', grant: ['basic', 'pro'], revoke: [], at: Date.now() }, client(), deps())
    expect(await changeRoles({ email: 'ann@example.com', grant: [], revoke: ['pro'], at: Date.now() }, client(), deps())).toMatchObject({ removed: ['pro'] })
    expect(rolesOf('ann@example.com')).toEqual(['basic'])
  })

  it('is a no-op for an address without an account', async () => {
    expect(await changeRoles({ email: 'nobody@example.com', grant: [], revoke: ['pro'], at: Date.now() }, client(), deps())).toEqual({ status: 'no_account' })
  })

  it('loses no update when several changes for one person run at once', async () => {
    await invite('ann@example.com')
    const roles = ['a', 'b', 'c', 'd', 'e', 'f']
    // Each waits its turn for the person's lock; wait long enough that a slow machine cannot turn a turn into "busy".
    const patient = { ...deps(), waitMs: 15_000 }
    const changes = await Promise.all(roles.map((role) => changeRoles({ email: 'ann@example.com', grant: [role], revoke: [], at: Date.now() }, client(), patient)))
    expect(changes.every((change) => change.status === 'applied')).toBe(true)
    expect([...(rolesOf('ann@example.com') as string[])].sort()).toEqual(roles)
  })

  it('answers busy when another change holds the person for longer than it waits', async () => {
    await invite('ann@example.com')
    const { personId } = await import('../../src/core/domain/email.ts')
    await store.create(`roles/${personId('ann@example.com', 'test-hash-key')}`, { state: 'pending', leaseUntil: Date.now() + 10_000 })
    const change = await changeRoles({ email: 'ann@example.com', grant: ['pro'], revoke: [], at: Date.now() }, client(), { ...deps(), waitMs: 200 })
    expect(change).toMatchObject({ status: 'busy' })
    expect(rolesOf('ann@example.com')).toBeUndefined()
  })
})

describe('changes that arrive out of order', () => {
  it('a grant older than the last revoke of that role does not bring it back', async () => {
    await invite('ann@example.com')
    const grantedAt = Date.UTC(2026, 0, 1)
    const revokedAt = Date.UTC(2026, 0, 2)
    await changeRoles({ email: 'ann@example.com', grant: [], revoke: ['pro'], at: revokedAt }, client(), deps())
    // Stripe retried the January 1st purchase after the January 2nd cancellation.
    const late = await changeRoles({ email: 'ann@example.com', grant: ['pro', 'basic'], revoke: [], at: grantedAt }, client(), deps())
    expect(late).toMatchObject({ status: 'applied', added: ['basic'], skipped: ['pro'] })
    expect(rolesOf('ann@example.com')).toEqual(['basic'])
  })

  it('a revoke older than the last grant does not remove it', async () => {
    await invite('ann@example.com')
    await changeRoles({ email: 'ann@example.com', grant: ['pro'], revoke: [], at: Date.UTC(2026, 0, 3) }, client(), deps())
    await changeRoles({ email: 'ann@example.com', grant: [], revoke: ['pro'], at: Date.UTC(2026, 0, 2) }, client(), deps())
    expect(rolesOf('ann@example.com')).toEqual(['pro'])
  })
})

describe('a cancellation before the account exists', () => {
  it('is remembered, so the retried purchase that creates the account does not grant the cancelled role', async () => {
    expect(await changeRoles({ email: 'ann@example.com', grant: [], revoke: ['pro'], at: Date.UTC(2026, 0, 2) }, client(), deps())).toEqual({
      status: 'no_account',
    })
    await invite('ann@example.com')
    const late = await changeRoles({ email: 'ann@example.com', grant: ['pro'], revoke: [], at: Date.UTC(2026, 0, 1) }, client(), deps())
    expect(late).toMatchObject({ status: 'applied', added: [], skipped: ['pro'] })
    expect(rolesOf('ann@example.com')).toBeUndefined()
  })
})

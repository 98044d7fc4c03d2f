import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ClaimRecord } from '../../src/core/exactly-once/claims.ts'
import { eventKey } from '../../src/core/pipeline/process.ts'
import type { RulesFile } from '../../src/rules/schema.ts'
import { openSqliteStore } from '../../src/stores/sqlite-store.ts'
import { rulesFor } from '../helpers/senders.ts'
import { githubExample, githubInvitationByEmail } from '../helpers/fixtures.ts'
import { serveGitHubApi } from '../helpers/github-api.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { githubRequest } from '../helpers/signing.ts'
import { adminCall } from '../helpers/admin-api.ts'
import { apiKey } from '../helpers/invites.ts'

/**
 * `X-GitHub-Delivery` is not covered by GitHub's signature: anyone holding a
 * captured, validly signed body can post it again under any delivery id.
 */
const RULES: RulesFile = {
  rules: [
    { source: 'github', events: ['organization.member_invited', 'organization.member_added'], match: { orgs: ['acme'] }, roles: ['staff'] },
    { source: 'github', events: ['organization.member_removed'], match: { orgs: ['acme'] }, revoke: ['staff'] },
  ],
}

let bridge: TestBridge
let githubApi: Awaited<ReturnType<typeof serveGitHubApi>>
/** Whether the runtime offers identity (as Netlify does once Identity is enabled); off, deliveries answer 503. */
let identityOn: boolean

const ADMIN_KEY = apiKey()

async function start(dataDir?: string) {
  bridge = await startTestBridge({
    env: { GITHUB_API_URL: githubApi.url, IDENTITY_URL: undefined, IDENTITY_JWT_SECRET: undefined, INVITE_API_KEYS: ADMIN_KEY },
    ...(dataDir ? { dataDir } : {}),
    deps: async (identity) => {
      const token = await identity.sandbox.adminToken()
      return { rules: rulesFor(RULES), runtimeIdentity: () => (identityOn ? { url: identity.url, token } : null) }
    },
  })
}

beforeEach(async () => {
  identityOn = true
  githubApi = await serveGitHubApi([{ login: 'hacktocat', email: 'ann@example.com' }])
})
afterEach(async () => {
  await bridge.close()
  await githubApi.close()
})

const rolesOf = (email: string) => bridge.rolesOf(email)

function toAcme(payload: Record<string, any>) {
  payload.organization.login = 'acme'
  return payload
}
const invitation = (email: string) => toAcme(githubInvitationByEmail(email))
const joined = () => toAcme(githubExample('organization', 'member_added'))
const left = () => toAcme({ ...githubExample('organization', 'member_added'), action: 'member_removed' })

async function deliver(payload: unknown, deliveryId: string = randomUUID()) {
  const response = await bridge.app.request('/webhooks/github', await githubRequest('organization', payload, bridge.secrets.github, { deliveryId }))
  return { status: response.status, ...((await response.json()) as Record<string, any>) }
}

describe('a captured body replayed under a new delivery id', () => {
  beforeEach(() => start())

  it('a join replayed after the leave changes nothing: it is the join already handled', async () => {
    const join = joined()
    expect(await deliver(join)).toMatchObject({ outcome: 'invited', roles: { granted: ['staff'] } })
    expect(await deliver(left())).toMatchObject({ outcome: 'roles_updated', roles: { revoked: ['staff'] } })

    expect(await deliver(join, randomUUID())).toMatchObject({ status: 200, outcome: 'duplicate', reason: expect.stringContaining('already delivered as event') })
    expect(rolesOf('ann@example.com')).toEqual([])
    expect(bridge.inviteRequestsTo('ann@example.com')).toBe(1)
  })
})

describe("a body posted under another delivery's id", () => {
  beforeEach(() => start())

  it('is refused 422 and changes nothing; the real delivery still invites on Redeliver', async () => {
    expect(await deliver(invitation('first@example.com'))).toMatchObject({ outcome: 'invited' })
    const captured = invitation('first@example.com')

    identityOn = false
    const real = randomUUID()
    const second = invitation('second@example.com')
    expect(await deliver(second, real)).toMatchObject({ status: 503, error: { code: 'identity_not_configured' } })

    identityOn = true
    expect(await deliver(captured, real)).toMatchObject({ status: 422, error: { code: 'event_id_mismatch' } })
    expect(bridge.logs.at(-1)).toMatchObject({ outcome: 'error', error: 'event_id_mismatch', status: 422, eventId: real })

    expect(await deliver(second, real)).toMatchObject({ status: 200, outcome: 'invited' })
    expect(bridge.inviteRequestsTo('second@example.com')).toBe(1)
    expect(bridge.inviteRequestsTo('first@example.com')).toBe(1)
  })

  it("leaves the real event's dead record as it was: a replay after the fix runs the real body, bound to it", async () => {
    const captured = invitation('first@example.com')
    expect(await deliver(captured)).toMatchObject({ outcome: 'invited' })
    identityOn = false
    const real = randomUUID()
    expect(await deliver(invitation('second@example.com'), real)).toMatchObject({ status: 503, error: { code: 'identity_not_configured' } })
    const [dead] = (await bridge.store.list<{ id: string; bodyDigest?: string }>('dead/')).records
    expect(dead?.value.bodyDigest).toEqual(expect.stringMatching(/^[0-9a-f]{64}$/))

    identityOn = true
    expect(await deliver(captured, real)).toMatchObject({ status: 422, error: { code: 'event_id_mismatch' } })
    expect((await bridge.store.list('dead/')).records).toEqual([dead])
    expect(await adminCall(bridge.app, `/events/${encodeURIComponent(dead!.value.id)}`, { token: ADMIN_KEY })).toMatchObject({ status: 200, body: { status: 'dead', error: { code: 'identity_not_configured' } } })

    expect(await adminCall(bridge.app, `/events/${encodeURIComponent(dead!.value.id)}/replay`, { token: ADMIN_KEY, method: 'POST' })).toMatchObject({ status: 202, body: { status: 'done', outcome: 'invited' } })
    expect(bridge.inviteRequestsTo('second@example.com')).toBe(1)
    expect(bridge.inviteRequestsTo('first@example.com')).toBe(1)
  })

  it('is refused under the id of a delivery already done, which stays done', async () => {
    const done = randomUUID()
    await deliver(invitation('first@example.com'), done)
    expect(await deliver(invitation('intruder@example.com'), done)).toMatchObject({ status: 422 })
    expect(bridge.inviteRequestsTo('intruder@example.com')).toBe(0)
    expect(await deliver(invitation('first@example.com'), done)).toMatchObject({ status: 200, outcome: 'duplicate' })
    // The log still says done, and nothing was kept as dead.
    expect(await adminCall(bridge.app, `/events/github:${done}`, { token: ADMIN_KEY })).toMatchObject({ status: 200, body: { status: 'done', outcome: 'invited' } })
    expect((await bridge.store.list('dead/')).records).toEqual([])
  })
})

describe('first arrival keeps a refused delivery its place in line', () => {
  beforeEach(() => start())

  it('a join refused because identity was not configured, then the leave, then Redeliver of the join: no staff', async () => {
    identityOn = false
    const join = randomUUID()
    expect(await deliver(joined(), join)).toMatchObject({ status: 503, error: { code: 'identity_not_configured' } })

    identityOn = true
    expect(await deliver(left())).toMatchObject({ status: 200, outcome: 'no_account' })
    // Redeliver: the member is invited (invites are per person), but the role the leave took back stays taken.
    expect(await deliver(joined(), join)).toMatchObject({ status: 200, outcome: 'invited', roles: { granted: [] } })
    expect(rolesOf('ann@example.com')).toEqual([])
  })
})

describe('a store written before claims were bound to bodies', () => {
  it('is honoured: a done event stays done whatever body comes under its id, and a released one keeps its first delivery time', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'invite-bridge-old-store-'))
    const doneId = randomUUID()
    const failedJoinId = randomUUID()
    const longAgo = Date.now() - 86_400_000
    // Exactly the records claims.ts wrote before this change (no digest): one delivery done, and a join that failed and was released.
    const old = openSqliteStore({ dir: dataDir })
    await old.create<ClaimRecord>(eventKey({ source: 'github', eventId: doneId }), { state: 'done', outcome: 'invited', at: longAgo, firstSeen: longAgo })
    await old.create<ClaimRecord>(eventKey({ source: 'github', eventId: failedJoinId }), { state: 'released', at: longAgo, firstSeen: longAgo })
    await old.close?.()
    await start(dataDir)

    expect(await deliver(invitation('someone@example.com'), doneId)).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(bridge.inviteRequestsTo('someone@example.com')).toBe(0)

    const invited = invitation('ann@example.com')
    expect(await deliver(invited)).toMatchObject({ outcome: 'invited', roles: { granted: ['staff'] } })
    expect(await deliver(left())).toMatchObject({ outcome: 'roles_updated', roles: { revoked: ['staff'] } })
    // The join first delivered a day ago (before the leave) is redelivered now: it sorts where it first arrived.
    expect(await deliver(joined(), failedJoinId)).toMatchObject({ status: 200, roles: { granted: [] } })
    expect(rolesOf('ann@example.com')).toEqual([])
    // From now on that id is bound to the body it was finally handled with.
    expect(await deliver(invitation('someone@example.com'), failedJoinId)).toMatchObject({ status: 422 })
  })
})

describe('the event log of a replayed body', () => {
  it("the replay's log entry is its own arrival, not dated back to the event it replays", async () => {
    let now = Date.UTC(2026, 10, 1, 12)
    bridge = await startTestBridge({
      env: { GITHUB_API_URL: githubApi.url, IDENTITY_URL: undefined, IDENTITY_JWT_SECRET: undefined },
      deps: async (identity) => {
        const token = await identity.sandbox.adminToken()
        return { rules: rulesFor(RULES), now: () => now, runtimeIdentity: () => ({ url: identity.url, token }) }
      },
    })
    const join = joined()
    const first = randomUUID()
    expect(await deliver(join, first)).toMatchObject({ outcome: 'invited' })
    now += 86_400_000
    const replayed = randomUUID()
    expect(await deliver(join, replayed)).toMatchObject({ outcome: 'duplicate' })

    const indexOf = async (id: string) => (await bridge.store.get<{ firstSeen: number }>(`log-index/github/${id}`))?.value.firstSeen
    expect(await indexOf(first)).toBe(Date.UTC(2026, 10, 1, 12))
    expect(await indexOf(replayed)).toBe(now)
  })
})

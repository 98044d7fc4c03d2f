import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { inviteBatch } from '../../src/core/pipeline/invite-batch.ts'
import { hourlyCap } from '../../src/core/exactly-once/hourly-cap.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { apiKey, postInvites, type InvitesAnswer } from '../helpers/invites.ts'

let bridge: TestBridge
let key: string
beforeEach(async () => {
  key = apiKey()
  bridge = await startTestBridge({ env: { INVITE_API_KEYS: key } })
})
afterEach(async () => {
  await bridge.close()
})

const LIST = ['ann@example.com', 'bob@example.com', 'cat@example.com']
const outcomes = (answer: InvitesAnswer) => answer.body.results.map((r: { outcome: string }) => r.outcome) as string[]

function expectOneInviteEach(emails: string[]) {
  for (const email of emails) expect(bridge.invitesTo(email)).toBe(1)
}

describe('POST /invites when identity fails for some addresses', () => {
  it('207: the failed address is left not done and retryable, the others are invited; a retry completes it', async () => {
    bridge.identity.sandbox.faults.set({ kind: 'status', status: 500, times: 1 })
    const first = await postInvites(bridge.app, { emails: LIST }, key)
    expect(first.status).toBe(207)
    expect(outcomes(first).sort()).toEqual(['failed', 'invited', 'invited'])
    const failed = first.body.results.find((r: { outcome: string }) => r.outcome === 'failed')
    expect(failed).toMatchObject({ retryable: true, reason: expect.stringContaining('500') })
    expect(first.body.summary).toMatchObject({ invited: 2, failed: 1 })

    const retry = await postInvites(bridge.app, { emails: LIST }, key)
    expect(retry.status).toBe(200)
    expect(outcomes(retry).sort()).toEqual(['duplicate', 'duplicate', 'invited'])
    expectOneInviteEach(LIST)
  })

  it('502 when identity fails for every address; nothing is marked done, so the retry invites all', async () => {
    bridge.identity.sandbox.faults.set({ kind: 'status', status: 503 })
    const failing = await postInvites(bridge.app, { emails: LIST }, key)
    expect(failing.status).toBe(502)
    expect(outcomes(failing)).toEqual(['failed', 'failed', 'failed'])
    bridge.identity.sandbox.faults.clear()
    expect(outcomes(await postInvites(bridge.app, { emails: LIST }, key))).toEqual(['invited', 'invited', 'invited'])
    expectOneInviteEach(LIST)
  })

  it('stops calling a rate-limiting identity, passes its Retry-After on, and leaves the rest for later', async () => {
    const many = Array.from({ length: 12 }, (_, i) => `p${i}@example.com`)
    bridge.identity.sandbox.faults.set({ kind: 'status', status: 429, retryAfter: 7 })
    const limited = await postInvites(bridge.app, { emails: many }, key)
    expect(limited.status).toBe(502)
    expect(limited.headers.get('retry-after')).toBe('7')
    expect(limited.body.results.filter((r: { reason: string }) => r.reason.startsWith('not attempted')).length).toBeGreaterThan(0)
    bridge.identity.sandbox.faults.clear()
    expect((await postInvites(bridge.app, { emails: many }, key)).body.summary.invited).toBe(12)
    expectOneInviteEach(many)
  })

  it('503 for the whole request when identity rejects the admin credential, and invites nobody', async () => {
    const misconfigured = await startTestBridge({ env: { INVITE_API_KEYS: key, IDENTITY_JWT_SECRET: randomBytes(32).toString('hex') } })
    try {
      const answer = await postInvites(misconfigured.app, { emails: LIST }, key)
      expect(answer).toMatchObject({ status: 503, body: { error: { code: 'identity_auth_failed' } } })
      expect(misconfigured.identity.sandbox.invites).toHaveLength(0)
    } finally {
      await misconfigured.close()
    }
  })

  it('one invite per person when identical requests arrive together; retried, every one ends done', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => postInvites(bridge.app, { emails: LIST }, key)))
    for (const answer of answers) expect([200, 207, 409]).toContain(answer.status)
    expect(answers.flatMap(outcomes).filter((outcome) => outcome === 'invited')).toHaveLength(3)
    expect(answers.flatMap(outcomes).every((outcome) => ['invited', 'duplicate', 'in_progress'].includes(outcome))).toBe(true)
    expect(outcomes(await postInvites(bridge.app, { emails: LIST }, key))).toEqual(['duplicate', 'duplicate', 'duplicate'])
    expect(bridge.identity.sandbox.invites).toHaveLength(3)
  })

  it('starts no new address once the request has used its time, leaving them retryable', async () => {
    const identity = { url: bridge.identity.url, invite: async () => ({ outcome: 'invited' as const, userId: 'x' }), getUser: async () => null }
    const deps = { store: bridge.store, hashKey: async () => 'k', now: Date.now, leaseMs: 60_000 }
    const results = await inviteBatch({
      emails: LIST,
      data: undefined,
      identity,
      deps,
      cap: hourlyCap({ store: bridge.store, limit: 100, now: Date.now }),
      allowedDomains: null,
      concurrency: 2,
      startBy: Date.now() - 1,
    })
    expect(results.map((r) => [r.outcome, r.retryable])).toEqual([['failed', true], ['failed', true], ['failed', true]])
  })
})

import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Fault } from '../../src/sandbox/identity-sandbox.ts'
import { eventOf } from '../helpers/admin-api.ts'
import { stripeEvent } from '../helpers/fixtures.ts'
import { IDENTITY_VARIABLES, startTestBridge, TEST_IDENTITY, type TestBridge } from '../helpers/bridge.ts'
import { apiKey } from '../helpers/invites.ts'

const ann = 'ann.buyer@example.com'
const key = apiKey()
let bridge: TestBridge
beforeEach(async () => {
  // The bridge gives identity 1.5 s (IDENTITY_TIMEOUT_MS in the test bridge), and retries 1 s after a failure. A person
  // whose invite timed out or lost its connection is held for a lease (the shortest allowed here: twice the timeout).
  bridge = await startTestBridge({ env: { INVITE_API_KEYS: key, BRIDGE_LEASE_MS: '3000' } })
})
afterEach(async () => {
  await bridge.close()
})

/**
 * When an invite landed but its answer was lost, the retry looks the address
 * up before asking again and finds the user: one POST /invite in all, for
 * GoTrue (which would have answered a second one 422) as for Supabase Auth
 * (which would have mailed the person again).
 */
const REQUESTS_AFTER_A_LANDED_INVITE = 1

describe("when identity fails, the delivery is queued (202), and the bridge's own retry invites once", () => {
  it.each<[string, Fault, string]>([
    ['a 500', { kind: 'status', status: 500, times: 1 }, 'identity_failed'],
    ['a 503', { kind: 'status', status: 503, times: 1 }, 'identity_failed'],
    ['a dropped connection', { kind: 'drop', times: 1 }, 'identity_unreachable'],
    ["a proxy's HTML page with 200 (no user was made)", { kind: 'html', times: 1 }, 'identity_bad_answer'],
  ])('%s', async (_name, fault, code) => {
    const event = stripeEvent('checkout.session.completed')
    bridge.idp.faults.set(fault)

    const before = Date.now()
    const queued = await bridge.deliverStripe(event)
    expect(queued).toMatchObject({ status: 202, outcome: 'queued', eventId: event.id })
    expect(Date.parse(queued.retryAt)).toBeGreaterThan(before)
    expect(await eventOf(bridge.app, key, 'stripe', event.id)).toMatchObject({ status: 'pending', outcome: 'queued', error: { code } })
    expect(bridge.idp.invites).toHaveLength(0)

    await bridge.sweepUntil(() => bridge.invitesTo(ann) === 1)
    expect(await eventOf(bridge.app, key, 'stripe', event.id)).toMatchObject({ status: 'done', outcome: 'invited', error: null, email: 'a***@example.com' })
    expect(bridge.inviteRequestsTo(ann)).toBe(2) // the failed attempt and one retry, no more
    expect(await bridge.deliverStripe(event)).toMatchObject({ status: 200, outcome: 'duplicate' })
  })

  it("the sender's own retry of a queued event answers queued again and changes nothing", async () => {
    const event = stripeEvent('invoice.paid')
    bridge.idp.faults.set({ kind: 'status', status: 503, times: 1 })
    const first = await bridge.deliverStripe(event)
    const again = await bridge.deliverStripe(event)
    expect(again).toMatchObject({ status: 202, outcome: 'queued', retryAt: first.retryAt, id: first.id })
    expect(bridge.inviteRequestsTo(ann)).toBe(1)
    expect(await eventOf(bridge.app, key, 'stripe', event.id)).toMatchObject({ status: 'pending', attempts: 2 })
  })

  it("a 429's Retry-After puts the retry no sooner than it asks", async () => {
    const event = stripeEvent('invoice.paid')
    bridge.idp.faults.set({ kind: 'status', status: 429, retryAfter: 120, times: 1 })
    const before = Date.now()
    const queued = await bridge.deliverStripe(event)
    expect(queued).toMatchObject({ status: 202, outcome: 'queued' })
    expect(Date.parse(queued.retryAt)).toBeGreaterThanOrEqual(before + 120_000)
    expect(await bridge.sweep()).toMatchObject({ swept: 0, pending: 1 })
    expect(bridge.inviteRequestsTo(ann)).toBe(1)
  })

  it('a timeout, even when identity finished the invite after we gave up', async () => {
    const event = stripeEvent('invoice.paid')
    // It lands 2 s in: after the bridge gave up (1.5 s), while the person is still held (until 1.5 s + 3 s).
    bridge.idp.faults.set({ kind: 'slow', delayMs: 2000, times: 1 })
    expect(await bridge.deliverStripe(event)).toMatchObject({ status: 202, outcome: 'queued' })
    expect(await eventOf(bridge.app, key, 'stripe', event.id)).toMatchObject({ error: { code: 'identity_timeout' } })

    // The slow invite lands meanwhile; the retry finds the account: "already registered" is success.
    await bridge.sweepUntil(async () => (await eventOf(bridge.app, key, 'stripe', event.id)).status === 'done')
    expect(await eventOf(bridge.app, key, 'stripe', event.id)).toMatchObject({ outcome: 'already_registered' })
    expect(bridge.invitesTo(ann)).toBe(1)
    expect(bridge.inviteRequestsTo(ann)).toBe(REQUESTS_AFTER_A_LANDED_INVITE)
  })

  it('an answer lost after identity saved the user', async () => {
    const event = stripeEvent('invoice.paid')
    bridge.idp.faults.set({ kind: 'commit-then-fail', times: 1 })
    expect((await bridge.deliverStripe(event)).status).toBe(202)
    await bridge.sweepUntil(async () => (await eventOf(bridge.app, key, 'stripe', event.id)).status === 'done')
    expect(await eventOf(bridge.app, key, 'stripe', event.id)).toMatchObject({ outcome: 'already_registered' })
    expect(bridge.invitesTo(ann)).toBe(1)
    expect(bridge.inviteRequestsTo(ann)).toBe(REQUESTS_AFTER_A_LANDED_INVITE)
  })

  it('a second event for the same person is not held up by the first one being queued', async () => {
    bridge.idp.faults.set({ kind: 'status', status: 500, times: 1 })
    const checkout = stripeEvent('checkout.session.completed')
    expect((await bridge.deliverStripe(checkout)).status).toBe(202)
    // The failed attempt released the person: the invoice invites now, and the queued checkout finds the person done.
    expect((await bridge.deliverStripe(stripeEvent('invoice.paid'))).outcome).toBe('invited')
    await bridge.sweepUntil(async () => (await eventOf(bridge.app, key, 'stripe', checkout.id)).status === 'done')
    expect(await eventOf(bridge.app, key, 'stripe', checkout.id)).toMatchObject({ outcome: 'duplicate' })
    expect(bridge.invitesTo(ann)).toBe(1)
    expect(bridge.inviteRequestsTo(ann)).toBe(2)
  })
})

describe('when identity rejects the admin credential', () => {
  it('queues the event, the log names the setting to check, and nobody is invited', async () => {
    const misconfigured = await startTestBridge({ env: { INVITE_API_KEYS: key, [IDENTITY_VARIABLES.credential]: randomBytes(32).toString('hex') } })
    try {
      const event = stripeEvent('invoice.paid')
      expect(await misconfigured.deliverStripe(event)).toMatchObject({ status: 202, outcome: 'queued' })
      const entry = await eventOf(misconfigured.app, key, 'stripe', event.id)
      expect(entry).toMatchObject({ status: 'pending', error: { code: 'identity_auth_failed' } })
      expect(entry.error.message).toContain(IDENTITY_VARIABLES.named)
      expect(misconfigured.idp.invites).toHaveLength(0)
    } finally {
      await misconfigured.close()
    }
  })
})

describe.skipIf(TEST_IDENTITY === 'supabase')("where the admin credential comes from (Netlify's runtime hands out GoTrue credentials only)", () => {
  it("uses the URL and token Netlify's runtime hands the function when nothing is configured", async () => {
    const onNetlify = await startTestBridge({
      env: { IDENTITY_URL: undefined, IDENTITY_JWT_SECRET: undefined },
      deps: async (identity) => {
        const token = await identity.sandbox.adminToken(60)
        return { runtimeIdentity: () => ({ url: identity.url, token }) }
      },
    })
    try {
      expect(await onNetlify.deliverStripe(stripeEvent('invoice.paid'))).toMatchObject({ outcome: 'invited' })
      expect(onNetlify.invitesTo('ann.buyer@example.com')).toBe(1)
    } finally {
      await onNetlify.close()
    }
  })

  it("prefers explicit settings to the runtime's tokenless guess (netlify dev)", async () => {
    const local = await startTestBridge({
      deps: async () => ({ runtimeIdentity: () => ({ url: 'http://127.0.0.1:9/.netlify/identity' }) }),
    })
    try {
      expect(await local.deliverStripe(stripeEvent('invoice.paid'))).toMatchObject({ outcome: 'invited' })
    } finally {
      await local.close()
    }
  })
})

import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Fault } from '../../src/sandbox/identity-sandbox.ts'
import { stripeEvent } from '../helpers/fixtures.ts'
import { IDENTITY_VARIABLES, startTestBridge, TEST_IDENTITY, type TestBridge } from '../helpers/bridge.ts'

let bridge: TestBridge
beforeEach(async () => {
  // The bridge gives identity 1.5 s (IDENTITY_TIMEOUT_MS in the test bridge).
  bridge = await startTestBridge()
})
afterEach(async () => {
  await bridge.close()
})

/**
 * When an invite landed but its answer was lost, the retry asks GoTrue again
 * (422, already registered); the Supabase client looks the address up first
 * and finds the user, so it sends no second POST /invite (and no second mail).
 */
const REQUESTS_AFTER_A_LANDED_INVITE = TEST_IDENTITY === 'supabase' ? 1 : 2

describe('when identity fails, the delivery fails so the provider retries, and the retry invites once', () => {
  it.each<[string, Fault, number, string]>([
    ['a 500', { kind: 'status', status: 500, times: 1 }, 502, 'identity_failed'],
    ['a 503', { kind: 'status', status: 503, times: 1 }, 502, 'identity_failed'],
    ['a dropped connection', { kind: 'drop', times: 1 }, 502, 'identity_unreachable'],
    ["a proxy's HTML page with 200 (no user was made)", { kind: 'html', times: 1 }, 502, 'identity_bad_answer'],
  ])('%s', async (_name, fault, status, code) => {
    const event = stripeEvent('checkout.session.completed')
    bridge.idp.faults.set(fault)

    const failed = await bridge.deliverStripe(event)
    expect(failed.status).toBe(status)
    expect(failed.error?.code).toBe(code)
    expect(bridge.idp.invites).toHaveLength(0)

    expect(await bridge.deliverStripe(event)).toMatchObject({ status: 200, outcome: 'invited' })
    expect(bridge.invitesTo('ann.buyer@example.com')).toBe(1)
    expect(bridge.inviteRequestsTo('ann.buyer@example.com')).toBe(2) // the failed attempt and its one retry, no more
  })

  it('a 429 passes its Retry-After on to the provider', async () => {
    const event = stripeEvent('invoice.paid')
    bridge.idp.faults.set({ kind: 'status', status: 429, retryAfter: 7, times: 1 })
    expect(await bridge.deliverStripe(event)).toMatchObject({ status: 503, retryAfter: '7', error: { code: 'identity_rate_limited' } })
    expect((await bridge.deliverStripe(event)).outcome).toBe('invited')
    expect(bridge.invitesTo('ann.buyer@example.com')).toBe(1)
    expect(bridge.inviteRequestsTo('ann.buyer@example.com')).toBe(2) // the failed attempt and its one retry, no more
  })

  it('a timeout, even when identity finished the invite after we gave up', async () => {
    const event = stripeEvent('invoice.paid')
    bridge.idp.faults.set({ kind: 'slow', delayMs: 2500, times: 1 })
    // identity_timeout is the bridge's own abort: it answered without waiting for identity.
    expect(await bridge.deliverStripe(event)).toMatchObject({ status: 503, error: { code: 'identity_timeout' } })

    // Let the slow invite land (watched for, not slept on), then retry: identity says "already registered", which is success.
    await vi.waitFor(() => expect(bridge.invitesTo('ann.buyer@example.com')).toBe(1), { timeout: 10_000, interval: 50 })
    expect((await bridge.deliverStripe(event)).outcome).toBe('already_registered')
    expect(bridge.invitesTo('ann.buyer@example.com')).toBe(1)
    expect(bridge.inviteRequestsTo('ann.buyer@example.com')).toBe(REQUESTS_AFTER_A_LANDED_INVITE)
  })

  it('an answer lost after identity saved the user', async () => {
    const event = stripeEvent('invoice.paid')
    bridge.idp.faults.set({ kind: 'commit-then-fail', times: 1 })
    expect((await bridge.deliverStripe(event)).status).toBe(502)
    expect((await bridge.deliverStripe(event)).outcome).toBe('already_registered')
    expect(bridge.invitesTo('ann.buyer@example.com')).toBe(1)
    expect(bridge.inviteRequestsTo('ann.buyer@example.com')).toBe(REQUESTS_AFTER_A_LANDED_INVITE)
  })

  it('a second event for the same person waits for the first to succeed rather than being lost', async () => {
    bridge.idp.faults.set({ kind: 'status', status: 500, times: 1 })
    expect((await bridge.deliverStripe(stripeEvent('checkout.session.completed'))).status).toBe(502)
    // The failed attempt released the person: the invoice now invites.
    expect((await bridge.deliverStripe(stripeEvent('invoice.paid'))).outcome).toBe('invited')
    expect(bridge.invitesTo('ann.buyer@example.com')).toBe(1)
    expect(bridge.inviteRequestsTo('ann.buyer@example.com')).toBe(2) // the failed attempt and its one retry, no more
  })
})

describe('when identity rejects the admin credential', () => {
  it('answers 503 naming the setting to check, and invites nobody', async () => {
    const misconfigured = await startTestBridge({ env: { [IDENTITY_VARIABLES.credential]: randomBytes(32).toString('hex') } })
    try {
      const answer = await misconfigured.deliverStripe(stripeEvent('invoice.paid'))
      expect(answer.status).toBe(503)
      expect(answer.error?.code).toBe('identity_auth_failed')
      expect(answer.error?.message).toContain(IDENTITY_VARIABLES.named)
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

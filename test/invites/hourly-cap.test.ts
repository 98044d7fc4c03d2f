import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { bridgeConfig } from '../helpers/senders.ts'
import type { Env } from '../../src/core/config/env.ts'
import { hourlyCap } from '../../src/core/exactly-once/hourly-cap.ts'
import { openSqliteStore } from '../../src/stores/sqlite-store.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { apiKey, postInvites } from '../helpers/invites.ts'

const HOUR = 3_600_000
let bridge: TestBridge
let key: string
let env: Env
let now: () => number
beforeEach(async () => {
  key = apiKey()
  env = { INVITE_API_KEYS: key, INVITE_HOURLY_LIMIT: '3' }
  // The cap counts per clock hour, so a test on the real clock could straddle an hour boundary
  // and see the count reset. Stand still mid-hour instead: the next one, since the tokens the
  // bridge mints for identity must not be expired by the real clock.
  const midNextHour = (Math.floor(Date.now() / HOUR) + 1.5) * HOUR
  now = () => midNextHour
  bridge = await startTestBridge({ env, deps: async () => ({ now }) })
})
afterEach(async () => {
  await bridge.close()
})

const addresses = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`)

/** Another function instance: its own app and store handle, the same store underneath. */
function secondInstance(clock = now) {
  const store = openSqliteStore({ dir: bridge.dataDir })
  const config = bridgeConfig({ ...env, IDENTITY_URL: bridge.identity.url, IDENTITY_JWT_SECRET: bridge.jwtSecret })
  return { app: createApp({ config, store, log: () => {}, now: clock }), close: () => store.close?.() }
}

describe('INVITE_HOURLY_LIMIT', () => {
  it('invites 3 of 5 new addresses; the other 2 are rejected for now, retryable after the wait, and the answer is 207', async () => {
    const answer = await postInvites(bridge.app, { emails: addresses('new', 5) }, key)
    expect(answer.status).toBe(207)
    expect(answer.body.summary).toMatchObject({ invited: 3, rejected: 2 })
    const over = answer.body.results.filter((r: { outcome: string }) => r.outcome === 'rejected')
    // A client that keeps only what is retryable must keep these: they were refused for the hour, not for good.
    for (const result of over) {
      expect(result).toMatchObject({ reason: expect.stringContaining('over the hourly cap'), retryable: true, retryAfterSeconds: expect.any(Number) })
      expect(result.retryAfterSeconds).toBeGreaterThan(0)
    }
    // The answer says when the refused ones may come back, for callers that read only headers.
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(bridge.identity.sandbox.invites).toHaveLength(3)
  })

  it('answers 429 with Retry-After when every address is over the cap', async () => {
    await postInvites(bridge.app, { emails: addresses('fill', 3) }, key)
    const answer = await postInvites(bridge.app, { emails: addresses('late', 2) }, key)
    expect(answer.status).toBe(429)
    expect(answer.body.results).toEqual(addresses('late', 2).map((email) => expect.objectContaining({ email, outcome: 'rejected', retryable: true })))
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('a refusal that time cannot fix carries no retryable flag', async () => {
    const answer = await postInvites(bridge.app, { emails: ['not an address'] }, key)
    expect(answer.status).toBe(200)
    expect(answer.body.results[0]).toEqual({ email: 'not an address', outcome: 'rejected', reason: 'not a valid email address' })
  })

  it('holds across two instances sharing one store', async () => {
    const other = secondInstance()
    try {
      expect((await postInvites(bridge.app, { emails: addresses('first', 2) }, key)).body.summary.invited).toBe(2)
      const second = await postInvites(other.app, { emails: addresses('second', 3) }, key)
      expect(second.body.summary).toMatchObject({ invited: 1, rejected: 2 })
      expect((await postInvites(bridge.app, { emails: addresses('third', 1) }, key)).body.summary.rejected).toBe(1)
      expect(bridge.identity.sandbox.invites).toHaveLength(3)
    } finally {
      other.close()
    }
  })

  it('counts only addresses sent to identity: duplicates and refused domains cost nothing', async () => {
    await postInvites(bridge.app, { emails: addresses('a', 2) }, key)
    const again = await postInvites(bridge.app, { emails: [...addresses('a', 2), 'not an address', ...addresses('b', 1)] }, key)
    expect(again.body.summary).toMatchObject({ duplicate: 2, rejected: 1, invited: 1 })
  })

  it('lets the addresses it turned away through in the next hour (from the injected clock)', async () => {
    const list = addresses('later', 5)
    await postInvites(bridge.app, { emails: list }, key)
    const nextHour = secondInstance(() => now() + HOUR)
    try {
      const answer = await postInvites(nextHour.app, { emails: list }, key)
      expect(answer.body.summary).toMatchObject({ duplicate: 3, invited: 2 })
      for (const email of list) expect(bridge.invitesTo(email)).toBe(1)
    } finally {
      nextHour.close()
    }
  })

  it('never grants more than the limit to concurrent reservations', async () => {
    const cap = hourlyCap({ store: bridge.store, limit: 7, now, prefix: 'ratelimit/test' })
    const reservations = await Promise.all(Array.from({ length: 30 }, () => cap.reserve().catch(() => ({ granted: false }))))
    expect(reservations.filter((r) => r.granted)).toHaveLength(7)
  })
})

import { beforeEach, describe, expect, it } from 'vitest'

import { claimWaiting, tryClaim, tryClaimEvent, type ClaimAttempt, type ClaimOptions, type ClaimRecord, type EventClaimRaw } from '../../../src/core/exactly-once/claims.ts'
import { createMemoryStore } from '../../../src/core/exactly-once/memory-store.ts'
import type { KeyValueStore } from '../../../src/core/exactly-once/store.ts'

const KEY = 'event/stripe/evt_1'
const LEASE_MS = 15_000
const START = Date.UTC(2026, 4, 1, 12)

let t: number
let store: KeyValueStore
let options: ClaimOptions

beforeEach(() => {
  t = START
  store = createMemoryStore()
  options = { store, now: () => t, leaseMs: LEASE_MS }
})

function claimed(attempt: ClaimAttempt | EventClaimRaw) {
  if (attempt.kind !== 'claimed') throw new Error(`expected a claim, got ${JSON.stringify(attempt)}`)
  return attempt.claim
}

const stored = async () => (await store.get<ClaimRecord>(KEY))?.value

describe('tryClaim', () => {
  it('claims a key nobody has seen, with a lease and firstSeen of now', async () => {
    const claim = claimed(await tryClaim(KEY, options))
    expect(claim.firstSeen).toBe(START)
    expect(await stored()).toEqual({ state: 'pending', leaseUntil: START + LEASE_MS, firstSeen: START, holder: expect.any(String) })
  })

  it('a second attempt during the lease is busy, told to retry when the lease ends', async () => {
    await tryClaim(KEY, options)
    t += 2_500
    expect(await tryClaim(KEY, options)).toEqual({ kind: 'busy', retryAfterSeconds: 13 })
  })

  it('busy rounds the rest of the lease up: 1 ms left is retry after 1 second', async () => {
    await tryClaim(KEY, options)
    t += LEASE_MS - 1
    expect(await tryClaim(KEY, options)).toEqual({ kind: 'busy', retryAfterSeconds: 1 })
  })

  it('after complete, every later attempt sees done with the outcome', async () => {
    await claimed(await tryClaim(KEY, options)).complete('invited')
    expect(await tryClaim(KEY, options)).toEqual({ kind: 'done', outcome: 'invited' })
    t += LEASE_MS * 10
    expect(await tryClaim(KEY, options)).toEqual({ kind: 'done', outcome: 'invited' })
  })

  it('after release, the next attempt claims at once and keeps the first firstSeen', async () => {
    await claimed(await tryClaim(KEY, options)).release()
    t += 1_000
    const retry = claimed(await tryClaim(KEY, options))
    expect(retry.firstSeen).toBe(START)
    expect(await stored()).toEqual({ state: 'pending', leaseUntil: t + LEASE_MS, firstSeen: START, holder: expect.any(String) })
  })

  it('when the lease runs out (its holder crashed), the next attempt takes it over and keeps firstSeen', async () => {
    await tryClaim(KEY, options)
    t += LEASE_MS
    const takeover = claimed(await tryClaim(KEY, options))
    expect(takeover.firstSeen).toBe(START)
    expect(await stored()).toMatchObject({ state: 'pending', leaseUntil: t + LEASE_MS })
  })

  it("a write that landed but was answered as refused (a store client resending it) is known as this attempt's own claim", async () => {
    // What @netlify/blobs does when a conditional PUT's answer is lost: it sends it again, and the second one gets 412.
    const resent = (inner: KeyValueStore): KeyValueStore => ({
      ...inner,
      async create(key, value) {
        await inner.create(key, value)
        return { created: false }
      },
      async replace(key, value, etag) {
        await inner.replace(key, value, etag)
        return { replaced: false }
      },
    })
    const flaky = { ...options, store: resent(store) }
    const first = claimed(await tryClaim(KEY, flaky))
    expect(first).toMatchObject({ fresh: true, unsure: false, firstSeen: START })
    await first.release({ unsure: true })

    t += 1_000
    const takeover = claimed(await tryClaim(KEY, flaky))
    expect(takeover).toMatchObject({ fresh: false, unsure: true, firstSeen: START })
    // Its etag is the record's: it can finish what it holds.
    await takeover.complete('invited')
    expect(await stored()).toMatchObject({ state: 'done', outcome: 'invited' })
  })

  it('a record written before firstSeen existed is taken over with firstSeen of now', async () => {
    await store.create<ClaimRecord>(KEY, { state: 'released', at: START })
    t += 1_000
    expect(claimed(await tryClaim(KEY, options)).firstSeen).toBe(t)
  })

  it('a holder whose lease was taken over still writes done when its work finishes', async () => {
    const first = claimed(await tryClaim(KEY, options))
    t += LEASE_MS + 1
    const second = claimed(await tryClaim(KEY, options))
    await first.complete('invited')
    expect(await stored()).toEqual({ state: 'done', outcome: 'invited', at: t, firstSeen: START })
    // The second holder finishing later does not overwrite the first outcome.
    await second.complete('already_registered')
    expect(await tryClaim(KEY, options)).toEqual({ kind: 'done', outcome: 'invited' })
  })

  it('a holder whose lease was taken over cannot release the new holder’s claim', async () => {
    const first = claimed(await tryClaim(KEY, options))
    t += LEASE_MS
    claimed(await tryClaim(KEY, options))
    await first.release()
    expect(await tryClaim(KEY, options)).toMatchObject({ kind: 'busy' })
  })

  it('two attempts at once on one key: exactly one claims, the other is busy', async () => {
    const attempts = await Promise.all([tryClaim(KEY, options), tryClaim(KEY, options)])
    expect(attempts.map((attempt) => attempt.kind).sort()).toEqual(['busy', 'claimed'])
  })

  it('ten attempts at once on an expired lease: exactly one takes it over', async () => {
    await tryClaim(KEY, options)
    t += LEASE_MS
    const attempts = await Promise.all(Array.from({ length: 10 }, () => tryClaim(KEY, options)))
    expect(attempts.filter((attempt) => attempt.kind === 'claimed')).toHaveLength(1)
    expect(attempts.filter((attempt) => attempt.kind === 'busy')).toHaveLength(9)
  })
})

describe('tryClaimEvent with a digest: a claim bound to the signed body it was first taken for', () => {
  const BODY = 'a'.repeat(64)
  const OTHER = 'b'.repeat(64)

  it('records the digest and keeps it through a release and a retry of the same body', async () => {
    await claimed(await tryClaimEvent(KEY, BODY, options)).release()
    expect(await stored()).toMatchObject({ state: 'released', digest: BODY })
    t += 1_000
    await claimed(await tryClaimEvent(KEY, BODY, options)).complete('invited')
    expect(await stored()).toMatchObject({ state: 'done', digest: BODY, firstSeen: START })
    expect(await tryClaimEvent(KEY, BODY, options)).toEqual({ kind: 'done', outcome: 'invited' })
  })

  it.each(['pending', 'released', 'done'] as const)('refuses another body under the key while it is %s, and writes nothing', async (state) => {
    const claim = claimed(await tryClaimEvent(KEY, BODY, options))
    if (state === 'released') await claim.release()
    if (state === 'done') await claim.complete('invited')
    const before = await store.get(KEY)
    t += LEASE_MS // an expired lease is no opening for another body either
    expect(await tryClaimEvent(KEY, OTHER, options)).toEqual({ kind: 'mismatch' })
    expect(await store.get(KEY)).toEqual(before)
  })

  it('honours a record written before claims were bound (no digest) as before, and binds it on takeover', async () => {
    await store.create<ClaimRecord>(KEY, { state: 'done', outcome: 'invited', at: START, firstSeen: START })
    expect(await tryClaimEvent(KEY, OTHER, options)).toEqual({ kind: 'done', outcome: 'invited' })
    await store.create<ClaimRecord>('event/github/old', { state: 'released', at: START, firstSeen: START - 1_000 })
    const takeover = claimed(await tryClaimEvent('event/github/old', BODY, options))
    expect(takeover.firstSeen).toBe(START - 1_000)
    expect((await store.get<ClaimRecord>('event/github/old'))?.value).toMatchObject({ state: 'pending', digest: BODY })
  })

  it('leaves claims taken without a digest unbound', async () => {
    await claimed(await tryClaim(KEY, options)).release()
    expect(await stored()).not.toHaveProperty('digest')
  })
})

describe('claimWaiting', () => {
  /** A sleep that passes the injected clock on instead of waiting, and runs `during` after a given pause. */
  function fakeSleep(during: Record<number, () => Promise<void>> = {}) {
    const pauses: number[] = []
    const sleep = async (ms: number) => {
      pauses.push(ms)
      t += ms
      await during[pauses.length]?.()
    }
    return { sleep, pauses }
  }

  it('claims at once, without sleeping, when nobody holds the key', async () => {
    const { sleep, pauses } = fakeSleep()
    expect((await claimWaiting(KEY, { ...options, waitMs: 3_000, sleep })).kind).toBe('claimed')
    expect(pauses).toEqual([])
  })

  it('waits out a lease its holder releases during the wait, and claims', async () => {
    const holder = claimed(await tryClaim(KEY, options))
    const { sleep, pauses } = fakeSleep({ 2: () => holder.release() })
    const attempt = await claimWaiting(KEY, { ...options, waitMs: 3_000, sleep })
    expect(claimed(attempt).firstSeen).toBe(START)
    expect(pauses).toHaveLength(2)
  })

  it('sees done when the holder completes during the wait', async () => {
    const holder = claimed(await tryClaim(KEY, options))
    const { sleep } = fakeSleep({ 1: () => holder.complete('invited') })
    expect(await claimWaiting(KEY, { ...options, waitMs: 3_000, sleep })).toEqual({ kind: 'done', outcome: 'invited' })
  })

  it('answers busy, with the lease’s retry time, once waiting longer would pass waitMs', async () => {
    await tryClaim(KEY, options)
    const { sleep, pauses } = fakeSleep()
    const attempt = await claimWaiting(KEY, { ...options, waitMs: 3_000, sleep })
    const slept = pauses.reduce((sum, ms) => sum + ms, 0)
    // It used most of its allowance (pauses grow to 400 ms), and never more.
    expect(slept).toBeGreaterThan(3_000 - 400)
    expect(slept).toBeLessThanOrEqual(3_000)
    expect(attempt).toEqual({ kind: 'busy', retryAfterSeconds: Math.ceil((LEASE_MS - slept) / 1000) })
  })

  it('with waitMs 0 it is tryClaim: busy at once', async () => {
    await tryClaim(KEY, options)
    const { sleep, pauses } = fakeSleep()
    expect(await claimWaiting(KEY, { ...options, waitMs: 0, sleep })).toMatchObject({ kind: 'busy' })
    expect(pauses).toEqual([])
  })

  it('stops waiting even when the clock does not move (counts its own pauses)', async () => {
    await tryClaim(KEY, options)
    const pauses: number[] = []
    const attempt = await claimWaiting(KEY, { ...options, waitMs: 1_000, sleep: async (ms) => void pauses.push(ms) })
    expect(attempt).toEqual({ kind: 'busy', retryAfterSeconds: 15 })
    expect(pauses.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(1_000)
  })
})

describe('tryClaimEvent, watched', () => {
  it('a first claim is fresh, and nothing is asked or told', async () => {
    const found: Array<number | undefined> = []
    const attempt = await tryClaimEvent(KEY, undefined, options, { found: (at) => found.push(at), seenBefore: async () => false })
    expect(attempt.kind === 'claimed' && attempt.claim.fresh).toBe(true)
    expect(found).toEqual([])
  })

  it('a released claim is taken over only when seenBefore agrees, and is no longer fresh', async () => {
    await claimed(await tryClaim(KEY, options)).release()
    t += 1_000
    const before = await store.get<ClaimRecord>(KEY)

    expect(await tryClaimEvent(KEY, undefined, options, { seenBefore: async () => false })).toEqual({ kind: 'withheld' })
    expect(await store.get<ClaimRecord>(KEY)).toEqual(before)

    const asked: Array<number | undefined> = []
    const attempt = await tryClaimEvent(KEY, undefined, options, { seenBefore: async (at) => (asked.push(at), true) })
    expect(attempt.kind === 'claimed' && { fresh: attempt.claim.fresh, firstSeen: attempt.claim.firstSeen }).toEqual({ fresh: false, firstSeen: START })
    expect(asked).toEqual([START])
  })

  it('a done claim tells when it was first claimed and asks nothing: a duplicate costs no extra read', async () => {
    await claimed(await tryClaim(KEY, options)).complete('invited')
    const found: Array<number | undefined> = []
    let asked = 0

    const attempt = await tryClaimEvent(KEY, undefined, options, { found: (at) => found.push(at), seenBefore: async () => (asked++, true) })
    expect(attempt).toEqual({ kind: 'done', outcome: 'invited' })
    expect(found).toEqual([START])
    expect(asked).toBe(0)
  })
})

describe('doubt about a lapsed holder', () => {
  it('only a claim that asks for it (a person: its work leaves traces at identity) is unsure after a lapsed lease', async () => {
    await tryClaim(KEY, options)
    t += LEASE_MS + 1
    const plain = claimed(await tryClaim(KEY, options))
    expect(plain.unsure).toBe(false)
    expect((await stored())?.unsure).toBeUndefined()

    t += LEASE_MS + 1
    expect(claimed(await tryClaim(KEY, { ...options, lapseIsUnsure: true })).unsure).toBe(true)
  })

  it('a release marked unsure stays unsure through the next holder until someone completes it', async () => {
    await claimed(await tryClaim(KEY, options)).release({ unsure: true })
    const next = claimed(await tryClaim(KEY, options))
    expect(next.unsure).toBe(true)
    await next.release()
    expect((await stored())?.unsure).toBe(true)

    await claimed(await tryClaim(KEY, options)).complete('invited')
    expect((await stored())?.unsure).toBeUndefined()
  })
})

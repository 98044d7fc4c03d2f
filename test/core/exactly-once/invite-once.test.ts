import { createServer, type AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { personId } from '../../../src/core/domain/email.ts'
import { UpstreamError } from '../../../src/core/domain/errors.ts'
import type { InviteResult } from '../../../src/core/domain/identity.ts'
import { tryClaim } from '../../../src/core/exactly-once/claims.ts'
import { inviteOnce, type InviteOnceDeps } from '../../../src/core/exactly-once/invite-once.ts'
import { createMemoryStore } from '../../../src/core/exactly-once/memory-store.ts'

const HASH_KEY = 'unit-test-hash-key'
const LEASE_MS = 15_000
const ANN = 'ann@example.com'
const personKey = (email: string) => `person/${personId(email, HASH_KEY)}`

let t: number
let deps: InviteOnceDeps

beforeEach(() => {
  t = Date.UTC(2026, 4, 1, 12)
  deps = { store: createMemoryStore(), now: () => t, leaseMs: LEASE_MS, hashKey: async () => HASH_KEY }
})

/**
 * Stands in for GoTrue: answers each invite with `answer` (or throws what it throws) and counts the calls per
 * address; an address it answered `invited` is a user from then on. Asked to look first, it looks the address
 * up (counted in `lookups`) and answers already_registered for a user, without counting an invite.
 */
function fakeIdentity(answer: (email: string) => InviteResult | Promise<InviteResult> = (email) => ({ outcome: 'invited', userId: `id-${email}` })) {
  const calls: Array<{ email: string; data: Record<string, unknown> | undefined }> = []
  const lookups: string[] = []
  const users = new Set<string>()
  return {
    calls,
    lookups,
    users,
    async invite(email: string, data?: Record<string, unknown>, options?: { lookFirst?: boolean }): Promise<InviteResult> {
      if (options?.lookFirst) {
        lookups.push(email)
        if (users.has(email)) return { outcome: 'already_registered' }
      }
      calls.push({ email, data })
      const result = await answer(email)
      if (result.outcome === 'invited') users.add(email)
      return result
    },
  }
}

/** A promise the test settles by hand, to keep an identity call in flight. */
function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((settle) => (resolve = settle))
  return { promise, resolve }
}

describe('inviteOnce', () => {
  it('invites a new person once, passing the data along, and answers duplicate after that', async () => {
    const identity = fakeIdentity()
    expect(await inviteOnce(ANN, { plan: 'pro' }, identity, deps)).toEqual({ outcome: 'invited', email: 'a***@example.com', userId: `id-${ANN}` })
    expect(await inviteOnce(ANN, { plan: 'pro' }, identity, deps)).toEqual({
      outcome: 'duplicate',
      reason: 'person already handled (invited)',
      email: 'a***@example.com',
    })
    expect(identity.calls).toEqual([{ email: ANN, data: { plan: 'pro' } }])
  })

  it('keys the person by a keyed hash: no address in the store key, and each person separately', async () => {
    const identity = fakeIdentity()
    await inviteOnce(ANN, undefined, identity, deps)
    await inviteOnce('bob@example.com', undefined, identity, deps)
    expect(identity.calls.map((call) => call.email)).toEqual([ANN, 'bob@example.com'])
    expect((await deps.store.get(personKey(ANN)))?.value).toMatchObject({ state: 'done', outcome: 'invited' })
  })

  it('answers in_progress while another request is inviting the same person, without calling identity again', async () => {
    const answer = deferred<InviteResult>()
    const called = deferred<void>()
    const identity = fakeIdentity(() => {
      called.resolve()
      return answer.promise
    })
    const first = inviteOnce(ANN, undefined, identity, deps)
    await called.promise
    t += 5_000
    expect(await inviteOnce(ANN, undefined, identity, deps)).toEqual({
      outcome: 'in_progress',
      reason: 'this person is being invited by another request',
      retryAfterSeconds: 10,
      email: 'a***@example.com',
    })
    answer.resolve({ outcome: 'invited', userId: 'u1' })
    expect(await first).toMatchObject({ outcome: 'invited', userId: 'u1' })
    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({ outcome: 'duplicate' })
    expect(identity.calls).toHaveLength(1)
  })

  it('two requests for one person at once: identity is called once', async () => {
    const identity = fakeIdentity()
    const results = await Promise.all([inviteOnce(ANN, undefined, identity, deps), inviteOnce(ANN, undefined, identity, deps)])
    expect(results.map((result) => result.outcome).sort()).toEqual(['in_progress', 'invited'])
    expect(identity.calls).toHaveLength(1)
  })

  it('when identity throws, the error reaches the caller and the person is released: the retry invites at once', async () => {
    let down = true
    const identity = fakeIdentity(() => {
      if (down) throw new Error('identity answered 503')
      return { outcome: 'invited', userId: 'u1' }
    })
    await expect(inviteOnce(ANN, undefined, identity, deps)).rejects.toThrow('identity answered 503')
    down = false
    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({ outcome: 'invited' })
    expect(identity.calls).toHaveLength(2)
  })

  it('a rejected address is reported and leaves the person open: a later request calls identity again', async () => {
    const identity = fakeIdentity(() => ({ outcome: 'rejected', reason: 'Unable to validate email address' }))
    expect(await inviteOnce(ANN, undefined, identity, deps)).toEqual({
      outcome: 'rejected',
      reason: 'identity refused the address: Unable to validate email address',
      email: 'a***@example.com',
    })
    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({ outcome: 'rejected' })
    expect(identity.calls).toHaveLength(2)
  })

  it('already_registered completes the person: the next request is a duplicate without calling identity', async () => {
    const identity = fakeIdentity(() => ({ outcome: 'already_registered' }))
    expect(await inviteOnce(ANN, undefined, identity, deps)).toEqual({ outcome: 'already_registered', email: 'a***@example.com' })
    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({
      outcome: 'duplicate',
      reason: 'person already handled (already_registered)',
    })
    expect(identity.calls).toHaveLength(1)
  })

  it('a request whose holder crashed (lease ran out) invites the person itself', async () => {
    await tryClaim(personKey(ANN), { ...deps })
    const identity = fakeIdentity()
    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({ outcome: 'in_progress' })
    t += LEASE_MS
    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({ outcome: 'invited' })
    expect(identity.calls).toHaveLength(1)
  })
})

// inviteOnce takes no sleep of its own, so its pauses run on (fake) timers.
describe('inviteOnce with personWaitMs', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  async function holdPerson() {
    const attempt = await tryClaim(personKey(ANN), { ...deps })
    if (attempt.kind !== 'claimed') throw new Error('the test could not hold the person')
    return attempt.claim
  }

  it('waits for another request that finishes the person meanwhile, and answers duplicate', async () => {
    const holder = await holdPerson()
    const identity = fakeIdentity()
    const waiting = inviteOnce(ANN, undefined, identity, { ...deps, personWaitMs: 3_000 })
    await vi.advanceTimersByTimeAsync(100)
    await holder.complete('invited')
    await vi.advanceTimersByTimeAsync(3_000)
    expect(await waiting).toMatchObject({ outcome: 'duplicate' })
    expect(identity.calls).toHaveLength(0)
  })

  it('waits for another request that gives the person back, and invites', async () => {
    const holder = await holdPerson()
    const identity = fakeIdentity()
    const waiting = inviteOnce(ANN, undefined, identity, { ...deps, personWaitMs: 3_000 })
    await vi.advanceTimersByTimeAsync(100)
    await holder.release()
    await vi.advanceTimersByTimeAsync(3_000)
    expect(await waiting).toMatchObject({ outcome: 'invited' })
    expect(identity.calls).toHaveLength(1)
  })

  it('answers in_progress once the holder keeps the person past personWaitMs', async () => {
    await holdPerson()
    const identity = fakeIdentity()
    const waiting = inviteOnce(ANN, undefined, identity, { ...deps, personWaitMs: 500 })
    await vi.advanceTimersByTimeAsync(10_000)
    expect(await waiting).toMatchObject({ outcome: 'in_progress', retryAfterSeconds: 15 })
    expect(identity.calls).toHaveLength(0)
  })
})

describe('inviteOnce after an attempt that stopped without knowing', () => {
  const timeout = () => new UpstreamError(503, 'identity_timeout', 'Identity server did not answer within 2000 ms')

  /** Identity whose first invite fails with `error` (having saved the user when `saved`), and invites after that. */
  function failingFirst(error: Error, options: { saved?: boolean } = {}) {
    let first = true
    const identity = fakeIdentity((email) => {
      if (!first) return { outcome: 'invited', userId: `id-${email}` }
      first = false
      if (options.saved) identity.users.add(email)
      throw error
    })
    return identity
  }

  it('identity saved the user but the answer never came: the retry looks, finds the account, and does not ask again', async () => {
    const identity = failingFirst(timeout(), { saved: true })
    await expect(inviteOnce(ANN, undefined, identity, deps)).rejects.toMatchObject({ code: 'identity_timeout' })

    t += LEASE_MS + 1
    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({ outcome: 'already_registered', email: 'a***@example.com' })
    expect(identity.calls).toHaveLength(1)
    expect(identity.lookups).toEqual([ANN])
    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({ outcome: 'duplicate' })
  })

  it('after a timeout the person stays held for a lease: identity may still save the user, and a look-up before then would find nothing', async () => {
    const identity = failingFirst(timeout(), { saved: false })
    await expect(inviteOnce(ANN, undefined, identity, deps)).rejects.toMatchObject({ code: 'identity_timeout' })

    t += LEASE_MS - 1
    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({ outcome: 'in_progress' })
    expect(identity.lookups).toEqual([])
    // The abandoned request lands meanwhile.
    identity.users.add(ANN)
    t += 2
    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({ outcome: 'already_registered', email: 'a***@example.com' })
    expect(identity.calls).toHaveLength(1)
    expect(identity.lookups).toEqual([ANN])
    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({ outcome: 'duplicate' })
  })

  it('a connection refused sent nothing: the person is free again at once (no hold), and the retry invites', async () => {
    // The error fetch gives for a port nobody listens on, as the client wraps it.
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const refused = await fetch(`http://127.0.0.1:${port}/invite`).catch((error: unknown) => error)
    const identity = failingFirst(new UpstreamError(502, 'identity_unreachable', 'Could not reach the identity server', { cause: refused }))
    await expect(inviteOnce(ANN, undefined, identity, deps)).rejects.toMatchObject({ code: 'identity_unreachable' })

    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({ outcome: 'invited' })
    expect(identity.calls).toHaveLength(2)
  })

  it('identity saved nothing: the retry looks, finds nobody, and invites', async () => {
    const identity = failingFirst(new UpstreamError(502, 'identity_failed', 'Identity server answered 500'))
    await expect(inviteOnce(ANN, undefined, identity, deps)).rejects.toMatchObject({ code: 'identity_failed' })

    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({ outcome: 'invited' })
    expect(identity.calls).toHaveLength(2)
    expect(identity.lookups).toEqual([ANN])
  })

  it('a refusal that says identity did nothing (rate limited) needs no look-up on the retry', async () => {
    const identity = failingFirst(new UpstreamError(503, 'identity_rate_limited', 'Identity server is rate limiting requests'))
    await expect(inviteOnce(ANN, undefined, identity, deps)).rejects.toMatchObject({ code: 'identity_rate_limited' })

    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({ outcome: 'invited' })
    expect(identity.lookups).toEqual([])
  })

  it('a holder that crashed mid-invite (its lease ran out) is as unknown as a timeout: the next one looks first', async () => {
    const identity = fakeIdentity()
    identity.users.add(ANN)
    await tryClaim(personKey(ANN), deps)
    t += LEASE_MS + 1

    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({ outcome: 'already_registered' })
    expect(identity.calls).toHaveLength(0)
  })

  it('the doubt outlives an attempt that fails again: the attempt after it still looks', async () => {
    let failing = true
    const identity = fakeIdentity((email) => {
      if (failing) throw timeout()
      return { outcome: 'invited', userId: `id-${email}` }
    })
    await tryClaim(personKey(ANN), deps)
    t += LEASE_MS + 1
    await expect(inviteOnce(ANN, undefined, identity, deps)).rejects.toMatchObject({ code: 'identity_timeout' })

    failing = false
    identity.users.add(ANN)
    t += LEASE_MS + 1
    expect(await inviteOnce(ANN, undefined, identity, deps)).toMatchObject({ outcome: 'already_registered' })
    expect(identity.lookups).toEqual([ANN, ANN])
  })
})

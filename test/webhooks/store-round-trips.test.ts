import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/core/config/config.ts'
import { createMemoryStore } from '../../src/core/exactly-once/memory-store.ts'
import type { KeyValueStore } from '../../src/core/exactly-once/store.ts'
import { SENDERS } from '../../src/handlers/senders.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { githubInvitationByEmail, newStripePurchase } from '../helpers/fixtures.ts'
import { githubRequest, stripeRequest } from '../helpers/signing.ts'

/**
 * How many times a delivery goes to the store before it answers, counted as
 * hosted Netlify Blobs would count them: one operation is one round trip. The
 * person hash key's read (once per instance) is left out.
 */
interface CountingStore extends KeyValueStore {
  operations: string[]
  /** A write to a key starting with this prefix fails, as an outage would. */
  failWritesTo(prefix: string): void
}

function countingStore(inner: KeyValueStore = createMemoryStore()): CountingStore {
  const operations: string[] = []
  let failing: string | undefined
  const seen = (operation: string, key: string) => {
    if (!key.startsWith('meta/person-hash-key')) operations.push(`${operation} ${key.split('/')[0]}`)
  }
  const refuse = (key: string) => {
    if (failing && key.startsWith(failing)) throw new Error(`store unavailable for ${key}`)
  }
  return {
    operations,
    failWritesTo: (prefix) => (failing = prefix),
    get(key) {
      seen('get', key)
      return inner.get(key)
    },
    async create(key, value) {
      seen('create', key)
      refuse(key)
      return inner.create(key, value)
    },
    async replace(key, value, etag) {
      seen('replace', key)
      refuse(key)
      return inner.replace(key, value, etag)
    },
    list(prefix, options) {
      seen('list', prefix)
      return inner.list(prefix, options)
    },
    async delete(key, etag) {
      seen('delete', key)
      refuse(key)
      return inner.delete(key, etag)
    },
  }
}

/** A runtime that keeps work for after the answer (Netlify's waitUntil), which the test starts when it chooses. */
function handedOver() {
  const work: Array<() => Promise<void>> = []
  return {
    afterAnswer: () => (later: () => Promise<void>) => void work.push(later),
    run: () => Promise.all(work.splice(0).map((later) => later())),
  }
}

let bridge: TestBridge | undefined
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
})

describe('store round trips of a new invite-only delivery', () => {
  it('before the answer where the runtime takes work after it: the event claim, ledger read and person claim, nothing more', async () => {
    const store = countingStore()
    const after = handedOver()
    bridge = await startTestBridge({ deps: async () => ({ store, afterAnswer: after.afterAnswer }) })
    const { email, event } = newStripePurchase()

    const answer = await bridge.deliverStripe(event)
    const beforeAnswer = [...store.operations]
    await after.run()

    expect(answer).toMatchObject({ status: 200, outcome: 'invited' })
    // The event claim says "first arrival": no event log read or write is needed before the answer.
    expect(beforeAnswer).toEqual(['create event', 'get ledger', 'create person'])
    // After it: the person's done, the ledger link, and last the event's done; and the event log's index and record of the result.
    expect(store.operations.slice(beforeAnswer.length)).toEqual(
      expect.arrayContaining(['replace person', 'create ledger', 'replace event', 'create log-index', 'create log', 'create people']),
    )
    expect(await bridge.deliverStripe(event)).toMatchObject({ status: 200, outcome: 'duplicate', reason: 'event already handled (invited)' })
    expect(bridge.inviteRequestsTo(email)).toBe(1)
  })

  it("the ledger read goes beside the event claim, not after it: two round trips' wait before the person claim, not three", async () => {
    const inner = createMemoryStore()
    const inFlight = new Set<string>()
    const together: string[][] = []
    const slow = <R>(what: string, work: () => Promise<R>) => {
      inFlight.add(what)
      together.push([...inFlight].sort())
      return new Promise<R>((resolve, reject) => setTimeout(() => work().then(resolve, reject).finally(() => inFlight.delete(what)), 5))
    }
    const store: KeyValueStore = {
      ...inner,
      get: (key) => slow(`get ${key.split('/')[0]}`, () => inner.get(key)),
      create: (key, value) => slow(`create ${key.split('/')[0]}`, () => inner.create(key, value)),
    }
    bridge = await startTestBridge({ deps: async () => ({ store, afterAnswer: handedOver().afterAnswer }) })
    // The first delivery an instance sees also reads the person hash key, which the ledger key needs.
    await bridge.deliverStripe(newStripePurchase().event)
    together.length = 0

    expect(await bridge.deliverStripe(newStripePurchase().event)).toMatchObject({ status: 200, outcome: 'invited' })
    expect(together).toContainEqual(['create event', 'get ledger'])
  })

  it('without such a runtime (npm start) every write is made before the answer, as before', async () => {
    const store = countingStore()
    bridge = await startTestBridge({ deps: async () => ({ store }) })

    const answer = await bridge.deliverStripe(newStripePurchase().event)

    expect(answer).toMatchObject({ status: 200, outcome: 'invited' })
    expect(store.operations.slice(0, 6)).toEqual(['create event', 'get ledger', 'create person', 'replace person', 'create ledger', 'replace event'])
    expect(store.operations.slice(6)).toEqual(expect.arrayContaining(['create log-index', 'create log', 'create people']))
  })

  it('an event log that cannot be written after the invite fails the log, not the answer: 200 invited, a warning line', async () => {
    const store = countingStore()
    bridge = await startTestBridge({ deps: async () => ({ store }) })
    const { email, event } = newStripePurchase()
    store.failWritesTo('log-index/')

    expect(await bridge.deliverStripe(event)).toMatchObject({ status: 200, outcome: 'invited' })
    expect(bridge.logs).toContainEqual(expect.objectContaining({ level: 'warn', event: 'event_log_write_failed' }))
    expect(await bridge.deliverStripe(event)).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(bridge.inviteRequestsTo(email)).toBe(1)
  })

  it('a redelivery before the closing writes ran is a duplicate on this instance, "come back" on another, and never a second invite', async () => {
    const store = countingStore()
    const after = handedOver()
    bridge = await startTestBridge({ deps: async () => ({ store, afterAnswer: after.afterAnswer }) })
    const other = createApp({ config: loadConfig({ STRIPE_WEBHOOK_SECRET: bridge.secrets.stripe }, SENDERS), store, log: () => {} })
    const deliverToOther = async (event: unknown) => {
      const response = await other.request('/webhooks/stripe', await stripeRequest(event, bridge!.secrets.stripe))
      return { status: response.status, ...((await response.json()) as object) }
    }
    const { email, event } = newStripePurchase()

    await bridge.deliverStripe(event)
    const here = await bridge.deliverStripe(event)
    const elsewhere = await deliverToOther(event)
    await after.run()

    expect(here).toMatchObject({ status: 200, outcome: 'duplicate', reason: 'event already handled (invited)' })
    expect(elsewhere).toMatchObject({ status: 409, outcome: 'in_progress' })
    expect(await deliverToOther(event)).toMatchObject({ status: 200, outcome: 'duplicate', reason: 'event already handled (invited)' })
    expect(bridge.inviteRequestsTo(email)).toBe(1)
  })

  it("the event log's entry is written after the answer, under the id the answer's log line named, once however often the event comes", async () => {
    const inner = createMemoryStore()
    const store = countingStore(inner)
    const after = handedOver()
    bridge = await startTestBridge({ deps: async () => ({ store, afterAnswer: after.afterAnswer }) })
    const { event } = newStripePurchase()

    await bridge.deliverStripe(event)
    const named = bridge.logs.at(-1)?.id
    // Redelivered before the first arrival's closing writes ran: it finds the index through the claim, and proposes the same id.
    await bridge.deliverStripe(event)
    await after.run()
    await bridge.deliverStripe(event)
    await after.run()

    const entries = (await inner.list<{ id: string; attempts: number; outcome?: string }>('log/')).records.map((record) => record.value)
    expect(named).toMatch(/^\d{13}-stripe-[0-9a-f]{12}$/)
    expect(entries).toEqual([expect.objectContaining({ id: named, attempts: 3, outcome: 'invited' })])
    expect(bridge.logs.slice(-2).map((line) => line.id)).toEqual([named, named])
  })

  it('a closing write that fails after the answer gives the event back and logs an error line of its own', async () => {
    const store = countingStore()
    const after = handedOver()
    bridge = await startTestBridge({ deps: async () => ({ store, afterAnswer: after.afterAnswer }) })
    const { event } = newStripePurchase()

    const answer = await bridge.deliverStripe(event)
    store.failWritesTo('ledger/')
    await after.run()

    expect(answer).toMatchObject({ status: 200, outcome: 'invited' })
    expect(store.operations.slice(-1)).toEqual(['replace event'])
    expect(bridge.logs.at(-1)).toMatchObject({ level: 'error', after: 'answer', error: 'internal_error', message: expect.stringContaining('ledger/') })
    // Released, not done: the person's claim already holds the invite, so a replay is still a duplicate.
    expect(await bridge.deliverStripe(event)).toMatchObject({ status: 200, outcome: 'duplicate', reason: 'person already handled (invited)' })
  })

  it("a redelivery whose signature does not cover its id (GitHub) reads the event's claim once: no create that must fail, no second read", async () => {
    const store = countingStore()
    bridge = await startTestBridge({ deps: async () => ({ store }) })
    const invitation = githubInvitationByEmail(`member.${randomUUID()}@example.com`)
    const deliveryId = randomUUID()
    const deliver = async () => (await bridge!.app.request('/webhooks/github', await githubRequest('organization', invitation, bridge!.secrets.github, { deliveryId }))).json()

    expect(await deliver()).toMatchObject({ outcome: 'invited' })
    const before = store.operations.length
    expect(await deliver()).toMatchObject({ outcome: 'duplicate' })

    expect(store.operations.slice(before).filter((operation) => operation.endsWith(' event'))).toEqual(['get event'])
  })
})

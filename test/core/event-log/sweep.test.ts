import { beforeEach, describe, expect, it } from 'vitest'
import { loadEvents } from '../../../src/core/config/events-config.ts'
import type { Delivery } from '../../../src/core/domain/delivery.ts'
import { NotConfiguredError, UpstreamError } from '../../../src/core/domain/errors.ts'
import type { LogFields } from '../../../src/core/domain/log.ts'
import { createEventLog, type EventLog, type Runner } from '../../../src/core/event-log/event-log.ts'
import type { LogEntry, QueuedEvent } from '../../../src/core/event-log/records.ts'
import { createMemoryStore } from '../../../src/core/exactly-once/memory-store.ts'
import type { KeyValueStore } from '../../../src/core/exactly-once/store.ts'

const DAY = 86_400_000
let t: number
let store: KeyValueStore
let warnings: LogFields[]
let log: EventLog

function start(env: Record<string, string> = {}, wrap: (store: KeyValueStore) => KeyValueStore = (s) => s) {
  store = wrap(createMemoryStore())
  warnings = []
  log = createEventLog({
    store,
    now: () => t,
    settings: loadEvents({ BRIDGE_RETRY_FIRST_SECONDS: '60', ...env }),
    sealKey: async () => 'seal-key-for-tests-0123456789abcdef',
    hashKey: async () => 'hash-key',
    leaseMs: 60_000,
    random: () => 0,
    warn: (fields) => warnings.push(fields),
  })
}

beforeEach(() => {
  t = Date.UTC(2026, 10, 26, 9)
  start()
})

function delivery(n: number): Delivery {
  return { source: 'stripe', eventId: `evt_${n}`, eventType: 'invoice.paid', recipient: { kind: 'email', email: `p${n}@example.com` }, facts: { source: 'stripe', event: 'invoice.paid' } }
}
const down: Runner = async () => {
  throw new UpstreamError(503, 'identity_failed', 'Identity server answered 503')
}
const works: Runner = async () => ({ result: { outcome: 'invited', email: 'p***@example.com' } })
const entries = async () => (await store.list<LogEntry>('log/')).records.map((record) => record.value)

describe('the sweep', () => {
  it('two sweeps at once run each due event once', async () => {
    for (let n = 0; n < 5; n++) expect(await log.receive(delivery(n), down)).toMatchObject({ kind: 'queued', retryAt: t + 60_000 })
    t += 60_000
    const runs = new Map<string, number>()
    const counting: Runner = async (d) => {
      runs.set(d.eventId, (runs.get(d.eventId) ?? 0) + 1)
      await new Promise((resolve) => setTimeout(resolve, 1))
      return works(d)
    }
    const reports = await Promise.all([log.sweep(counting, { budgetMs: 10_000 }), log.sweep(counting, { budgetMs: 10_000 })])
    expect([...runs.values()]).toEqual([1, 1, 1, 1, 1])
    expect(reports[0]!.done + reports[1]!.done).toBe(5)
    expect((await store.list('pending/')).records).toEqual([])
    expect((await entries()).map((entry) => entry.status)).toEqual(['done', 'done', 'done', 'done', 'done'])
  })

  it('leaves what is not due yet, and backs off after each failure until the window closes, then the event is dead', async () => {
    start({ BRIDGE_RETRY_FIRST_SECONDS: '60', BRIDGE_RETRY_WINDOW_SECONDS: '600' })
    await log.receive(delivery(1), down)
    expect(await log.sweep(down, { budgetMs: 10_000 })).toEqual({ swept: 0, done: 0, pending: 1, dead: 0 })
    const due: number[] = []
    for (let turn = 0; turn < 10; turn++) {
      const queued = (await store.get<QueuedEvent>('pending/' + (await entries())[0]!.id))?.value
      if (!queued) break
      due.push(queued.retryAt - t)
      t = queued.retryAt
      await log.sweep(down, { budgetMs: 10_000 })
    }
    expect(due).toEqual([60_000, 120_000, 240_000, 180_000]) // the last try lands on the deadline
    expect(await entries()).toEqual([expect.objectContaining({ status: 'dead', attempts: 5, error: { code: 'identity_failed', message: 'Identity server answered 503' } })])
    expect((await store.list('dead/')).records).toHaveLength(1)
  })

  it('makes an event dead at once when no retry can fix it, and a replay after the fix runs it', async () => {
    await log.receive(delivery(1), down)
    t += 60_000
    const unconfigured: Runner = async () => {
      throw new NotConfiguredError('identity_not_configured', 'set IDENTITY_URL')
    }
    expect(await log.sweep(unconfigured, { budgetMs: 10_000 })).toMatchObject({ dead: 1 })
    const [entry] = await entries()
    expect(await log.replay(entry!.id, works)).toEqual({ id: entry!.id, status: 'done', outcome: 'invited', ran: true })
    expect((await store.list('dead/')).records).toEqual([])
    expect(await log.replay(entry!.id, works)).toEqual({ id: entry!.id, status: 'done', outcome: 'duplicate', ran: false })
  })

  it('a replay that finds the person busy leaves the event pending, and the log says so', async () => {
    const unconfigured: Runner = async () => {
      throw new NotConfiguredError('identity_not_configured', 'set IDENTITY_URL')
    }
    await log.receive(delivery(1), unconfigured).catch(() => {})
    const [dead] = await entries()
    expect(dead).toMatchObject({ status: 'dead' })
    const busy: Runner = async () => ({ result: { outcome: 'in_progress', reason: 'this person is being invited by another request', retryAfterSeconds: 50 } })
    t += 1_000
    expect(await log.replay(dead!.id, busy)).toMatchObject({ status: 'pending', ran: true })
    expect(await entries()).toEqual([expect.objectContaining({ status: 'pending', retryAt: t + 50_000, error: { code: 'in_progress', message: 'this person is being invited by another request' } })])
    expect((await store.list('dead/')).records).toEqual([])
    t += 50_000
    expect(await log.sweep(works, { budgetMs: 10_000 })).toMatchObject({ done: 1 })
  })

  it('takes over an event whose sweeper crashed, once its lease has run out', async () => {
    await log.receive(delivery(1), down)
    t += 60_000
    const [record] = (await store.list<QueuedEvent>('pending/')).records
    // A sweeper took the lease, then died.
    await store.replace('pending/' + record!.value.id, { ...record!.value, leaseUntil: t + 60_000 }, record!.etag)
    expect(await log.sweep(works, { budgetMs: 10_000 })).toMatchObject({ swept: 0, pending: 1 })
    t += 60_000
    expect(await log.sweep(works, { budgetMs: 10_000 })).toMatchObject({ swept: 1, done: 1 })
  })

  it('stops starting events once its time budget is spent, leaving the rest for the next sweep', async () => {
    for (let n = 0; n < 3; n++) await log.receive(delivery(n), down)
    t += 60_000
    const slow: Runner = async (d) => {
      t += 5_000
      return works(d)
    }
    expect(await log.sweep(slow, { budgetMs: 8_000 })).toEqual({ swept: 2, done: 2, pending: 1, dead: 0 })
    expect(await log.sweep(slow, { budgetMs: 8_000 })).toMatchObject({ swept: 1, done: 1 })
  })

  it('prunes entries and counts older than BRIDGE_LOG_DAYS, but never an event still being retried', async () => {
    start({ BRIDGE_LOG_DAYS: '2', BRIDGE_RETRY_WINDOW_SECONDS: String(10 * 86_400) })
    await log.receive(delivery(1), works)
    await log.receive(delivery(2), down)
    await log.countUnverified('stripe', 'invalid_signature')
    t += 3 * DAY
    await log.receive(delivery(3), works)
    await log.sweep(down, { budgetMs: 10_000 })
    expect((await entries()).map((entry) => entry.eventId)).toEqual(['evt_2', 'evt_3'])
    expect(await store.get('log-index/stripe/evt_1')).toBeNull()
    expect((await store.list('stats/')).records.map((record) => record.key)).toEqual([`stats/2026-11-29`])
    expect((await store.list('unverified/')).records).toEqual([])
  })
})

describe('pruning', () => {
  it('keeps an event that died lately for BRIDGE_LOG_DAYS after it died, replayable, however long ago it first came', async () => {
    start({ BRIDGE_LOG_DAYS: '2', BRIDGE_RETRY_WINDOW_SECONDS: String(3 * 86_400) })
    await log.receive(delivery(1), down)
    // Retried until its window closed, three days on: it dies in that sweep, which also prunes.
    for (let day = 0; day < 4; day++) {
      t += DAY
      await log.sweep(down, { budgetMs: 10_000 })
    }
    const [entry] = await entries()
    expect(entry).toMatchObject({ eventId: 'evt_1', status: 'dead' })
    expect((await store.list('dead/')).records).toHaveLength(1)
    expect(await log.replay(entry!.id, works)).toMatchObject({ status: 'done', outcome: 'invited', ran: true })

    // Done now; two days after its last activity it goes like any other.
    t += 2 * DAY + 1
    await log.sweep(down, { budgetMs: 10_000 })
    expect(await entries()).toEqual([])
    expect(await store.get('log-index/stripe/evt_1')).toBeNull()
  })
})

describe('when the store fails', () => {
  it('a failure that cannot be queued is thrown as it was: the route answers 503 and the sender retries', async () => {
    const failure = new UpstreamError(503, 'store_unavailable', 'SQLite store could not create "pending/…"')
    start({}, (inner) => ({ ...inner, create: (key, value) => (key.startsWith('pending/') ? Promise.reject(failure) : inner.create(key, value)) }))
    const identityDown = new UpstreamError(503, 'identity_failed', 'Identity server answered 503')
    await expect(log.receive(delivery(1), () => Promise.reject(identityDown))).rejects.toBe(identityDown)
    expect(warnings).toEqual([expect.objectContaining({ what: 'queue', error: 'store_unavailable' })])
  })

  it('a log write failing after the work was done does not change the answer', async () => {
    start({}, (inner) => ({ ...inner, replace: () => Promise.reject(new UpstreamError(503, 'store_busy', 'busy')), create: (key, value) => (key.startsWith('log/') || key.startsWith('stats/') ? Promise.reject(new Error('disk full')) : inner.create(key, value)) }))
    expect(await log.receive(delivery(1), works)).toMatchObject({ kind: 'result', result: { outcome: 'invited' } })
    expect(warnings.map((warning) => warning.what)).toEqual(['log', 'stats'])
  })
})

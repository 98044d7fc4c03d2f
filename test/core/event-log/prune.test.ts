import { beforeEach, expect, it } from 'vitest'
import { loadEvents } from '../../../src/core/config/events-config.ts'
import type { EventLogDeps } from '../../../src/core/event-log/context.ts'
import { prune } from '../../../src/core/event-log/prune.ts'
import { eventLogId, keys, type LogEntry } from '../../../src/core/event-log/records.ts'
import { createMemoryStore } from '../../../src/core/exactly-once/memory-store.ts'

const DAY = 86_400_000
const NOW = Date.UTC(2026, 10, 26, 9)
let deps: EventLogDeps

beforeEach(() => {
  deps = {
    store: createMemoryStore(),
    now: () => NOW,
    settings: loadEvents({ BRIDGE_LOG_DAYS: '30' }),
    sealKey: async () => 'seal-key-for-tests-0123456789abcdef',
    hashKey: async () => 'hash-key',
    leaseMs: 60_000,
    warn: () => {},
  }
})

/** A log entry first seen `daysAgo`, as the event log writes them. */
async function entry(n: number, daysAgo: number, fields: Partial<LogEntry> = {}): Promise<string> {
  const firstSeen = NOW - daysAgo * DAY + n
  const id = eventLogId('stripe', `evt_${n}`, firstSeen)
  const value: LogEntry = { id, source: 'stripe', eventId: `evt_${n}`, type: 'invoice.paid', status: 'done', outcome: 'invited', firstSeen, lastSeen: firstSeen, attempts: 1, ...fields }
  await deps.store.create(keys.log(id), value)
  return id
}

const exists = async (id: string) => (await deps.store.get(keys.log(id))) !== null

it('a long run of kept entries does not hide the prunable ones behind it: each sweep carries on where the last stopped', async () => {
  // 1,200 events first seen 40 days ago and still being retried, then one done 35 days ago.
  for (let n = 0; n < 1200; n++) await entry(n, 40, { status: 'pending', outcome: 'queued' })
  const behind = await entry(5000, 35)
  const young = await entry(6000, 1)

  expect(await prune(deps)).toBe(0)
  expect(await exists(behind)).toBe(true)
  expect(await prune(deps)).toBe(1)
  expect(await exists(behind)).toBe(false)
  expect(await exists(young)).toBe(true)
  // Past the old entries, the next sweep starts from the oldest again.
  expect(await deps.store.get('meta/prune-cursor')).toBeNull()
})

it('keeps an entry with recent activity however old its first arrival, and prunes it once that activity is old too', async () => {
  const revived = await entry(1, 40, { status: 'dead', lastSeen: NOW - 2 * DAY, deadAt: NOW - DAY })
  const stale = await entry(2, 40, { status: 'dead', deadAt: NOW - 31 * DAY })
  expect(await prune(deps)).toBe(1)
  expect(await exists(revived)).toBe(true)
  expect(await exists(stale)).toBe(false)
})

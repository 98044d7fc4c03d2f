import type { Delivery } from '../domain/delivery.ts'
import type { KeyValueStore } from '../exactly-once/store.ts'
import { eventLogId, keys, type LogEntry } from './records.ts'

// Each turn means another writer updated the record between our read and
// write: a handful only under a storm of one event, and the log is not
// worth failing a delivery over.
const MAX_TURNS = 8

/**
 * The event's bridge id, from its index (`log-index/<source>/<event id>`),
 * made on its first arrival: the create-if-absent decides which arrival's
 * time is "first seen", however many arrive at once.
 */
export async function indexEvent(store: KeyValueStore, delivery: Pick<Delivery, 'source' | 'eventId'>, now: number): Promise<{ id: string; firstSeen: number }> {
  const key = keys.index(delivery.source, delivery.eventId)
  for (let turn = 0; turn < MAX_TURNS; turn++) {
    const existing = await store.get<{ id: string; firstSeen: number }>(key)
    if (existing) return existing.value
    const mine = { id: eventLogId(delivery.source, delivery.eventId, now), firstSeen: now }
    if ((await store.create(key, mine)).created) return mine
  }
  throw new Error(`The index ${key} kept changing`)
}

/** The bridge id of a sender's event, or null when the bridge never saw it. */
export async function findEventId(store: KeyValueStore, source: string, eventId: string): Promise<string | null> {
  return (await store.get<{ id: string }>(keys.index(source, eventId)))?.value.id ?? null
}

/**
 * Read, change, compare-and-swap the event's log entry until the write
 * holds. `change` gets the current entry (null for a new one) and returns
 * the next; it may run more than once.
 */
export async function updateEntry(store: KeyValueStore, id: string, change: (current: LogEntry | null) => LogEntry): Promise<LogEntry> {
  const key = keys.log(id)
  for (let turn = 0; turn < MAX_TURNS; turn++) {
    const current = await store.get<LogEntry>(key)
    const next = change(current?.value ?? null)
    const written = current ? await store.replace(key, next, current.etag) : await store.create(key, next)
    if ('replaced' in written ? written.replaced : written.created) return next
  }
  throw new Error(`The log entry ${id} kept changing`)
}

/** A new entry's fixed fields, for `updateEntry`'s first write. */
export function newEntry(id: string, delivery: Pick<Delivery, 'source' | 'eventId' | 'eventType'>, firstSeen: number): LogEntry {
  return {
    id,
    source: delivery.source,
    eventId: delivery.eventId,
    type: delivery.eventType,
    status: 'pending',
    firstSeen,
    lastSeen: firstSeen,
    attempts: 0,
  }
}

/** Adds `by` to `counts[group][name]` in the record at `key`, with compare-and-swap (like the hourly cap). */
export async function count(store: KeyValueStore, key: string, group: string, name: string, by = 1): Promise<void> {
  for (let turn = 0; turn < MAX_TURNS; turn++) {
    const current = await store.get<Record<string, Record<string, number>>>(key)
    const counts = current?.value ?? {}
    const next = { ...counts, [group]: { ...counts[group], [name]: (counts[group]?.[name] ?? 0) + by } }
    const written = current ? await store.replace(key, next, current.etag) : await store.create(key, next)
    if ('replaced' in written ? written.replaced : written.created) return
  }
}

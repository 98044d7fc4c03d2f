import type { Delivery } from '../domain/delivery.ts'
import { readValue, type KeyValueStore } from '../exactly-once/store.ts'
import { eventLogId, keys, type LogEntry } from './records.ts'

// Each turn means another writer updated the record between our read and
// write: a handful only under a storm of one event, and the log is not
// worth failing a delivery over.
const MAX_TURNS = 8

/**
 * The event's bridge id, from its index (`log-index/<source>/<event id>`),
 * made on its first arrival: the create-if-absent decides which arrival's
 * time is "first seen", however many arrive at once. `likelyExists` reads
 * before it tries to create (an event seen before), saving the failed create.
 */
export async function indexEvent(
  store: KeyValueStore,
  delivery: Pick<Delivery, 'source' | 'eventId'>,
  firstSeen: number,
  options: { likelyExists?: boolean } = {},
): Promise<{ id: string; firstSeen: number; first: boolean }> {
  const key = keys.index(delivery.source, delivery.eventId)
  const mine = { id: eventLogId(delivery.source, delivery.eventId, firstSeen), firstSeen }
  if (options.likelyExists) {
    const existing = await readValue<{ id: string; firstSeen: number }>(store, key)
    if (existing) return { ...existing, first: false }
  }
  for (let turn = 0; turn < MAX_TURNS; turn++) {
    if ((await store.create(key, mine)).created) return { ...mine, first: true }
    const existing = await readValue<{ id: string; firstSeen: number }>(store, key)
    if (existing) return { ...existing, first: false }
  }
  throw new Error(`The index ${key} kept changing`)
}

/** The bridge id of a sender's event, or null when the bridge never saw it. */
export async function findEventId(store: KeyValueStore, source: string, eventId: string): Promise<string | null> {
  return (await readValue<{ id: string }>(store, keys.index(source, eventId)))?.id ?? null
}

/**
 * Read, change, compare-and-swap the event's log entry until the write
 * holds. `change` gets the current entry (null for a new one) and returns
 * the next; it may run more than once. Changes to one entry made in this
 * process while a write of it is out go together in the next write.
 */
export function updateEntry(
  store: KeyValueStore,
  id: string,
  change: (current: LogEntry | null) => LogEntry,
  options: { likelyNew?: boolean } = {},
): Promise<LogEntry> {
  const key = keys.log(id)
  return inTurns(store, key, change, options.likelyNew === true, async (changes, likelyNew) => {
    const written = await swap(store, key, changes, likelyNew)
    if (!written) throw new Error(`The log entry ${id} kept changing`)
    return written
  })
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
  type Counts = Record<string, Record<string, number>>
  const add = (counts: Counts | null): Counts => ({ ...counts, [group]: { ...counts?.[group], [name]: (counts?.[group]?.[name] ?? 0) + by } })
  await inTurns(store, key, add, false, (changes) => swap(store, key, changes, false))
}

/**
 * Read, change, compare-and-swap until the write holds, a few turns at most
 * (null when other writers kept winning). `likelyNew`: the record most
 * likely does not exist yet (an event's first arrival), so the create is
 * tried before any read.
 */
async function swap<T>(store: KeyValueStore, key: string, changes: (current: T | null) => T, likelyNew: boolean): Promise<T | null> {
  if (likelyNew) {
    const next = changes(null)
    if ((await store.create(key, next)).created) return next
  }
  for (let turn = 0; turn < MAX_TURNS; turn++) {
    const current = await store.get<T>(key)
    const next = changes(current?.value ?? null)
    const written = current ? await store.replace(key, next, current.etag) : await store.create(key, next)
    if ('replaced' in written ? written.replaced : written.created) return next
  }
  return null
}

interface Waiting<T> {
  change: (current: T | null) => T
  likelyNew: boolean
  resolve: (value: any) => void
  reject: (error: unknown) => void
}

/*
 * A sender that redelivers an event, or a burst of events on one day,
 * updates one record from many requests at once. Each on its own would read,
 * lose the compare-and-swap to the others and read again (at ten at once,
 * seven reads and writes each for one count). So each record is written by
 * one update at a time per process, and the changes that arrived meanwhile
 * are applied together, in arrival order, by the next: one write for the
 * lot, and every caller hears of it. Other processes still meet the
 * compare-and-swap. Kept per store (a WeakMap, so a closed store takes its
 * lanes with it).
 */
const lanesByStore = new WeakMap<KeyValueStore, Map<string, Array<Waiting<any>>>>()

function inTurns<T, R>(
  store: KeyValueStore,
  key: string,
  change: (current: T | null) => T,
  likelyNew: boolean,
  write: (changes: (current: T | null) => T, likelyNew: boolean) => Promise<R>,
): Promise<R> {
  let lanes = lanesByStore.get(store)
  if (!lanes) lanesByStore.set(store, (lanes = new Map()))
  const waiting = lanes.get(key)
  return new Promise<R>((resolve, reject) => {
    if (waiting) {
      waiting.push({ change, likelyNew, resolve, reject })
      return
    }
    const queue: Array<Waiting<T>> = [{ change, likelyNew, resolve, reject }]
    lanes.set(key, queue)
    void (async () => {
      while (queue.length) {
        const batch = queue.splice(0)
        const changes = (current: T | null) => batch.reduce<T | null>((value, each) => each.change(value), current) as T
        try {
          const written = await write(changes, batch[0]!.likelyNew)
          for (const each of batch) each.resolve(written)
        } catch (error) {
          for (const each of batch) each.reject(error)
        }
      }
      lanes.delete(key)
    })()
  })
}

import { readValue, type KeyValueStore } from '../exactly-once/store.ts'
import { findEventId } from './entries.ts'
import { idOfKey, keys, parseEventLogId, PREFIX, type EventStatus, type LogEntry } from './records.ts'

export interface EventFilter {
  status?: EventStatus
  source?: string
  /** ms: only events first seen at or after this. */
  since?: number
  /** The `next` of the page before. */
  cursor?: string
  limit: number
}

export interface EventPage {
  events: LogEntry[]
  next: string | null
}

// Entries read to fill one page of a filtered listing before answering with what was found and a cursor.
const SCAN_LIMIT = 500

/**
 * Events newest first. Pending and dead events are listed from their own
 * records (few); the rest from the log, whose keys begin with the time of
 * first arrival, so `since` ends the walk and the sender is read from the
 * key. The cursor is the last key looked at: paging never repeats or skips.
 */
export async function listEvents(store: KeyValueStore, filter: EventFilter): Promise<EventPage> {
  const prefix = filter.status === 'pending' ? PREFIX.pending : filter.status === 'dead' ? PREFIX.dead : PREFIX.log
  const events: LogEntry[] = []
  let after = filter.cursor
  let scanned = 0
  for (;;) {
    const page = await store.list<unknown>(prefix, { reverse: true, limit: Math.min(100, filter.limit * 2), ...(after ? { after } : {}) })
    for (const record of page.records) {
      after = record.key
      scanned++
      const id = idOfKey(record.key)
      const parsed = parseEventLogId(id)
      if (filter.since !== undefined && parsed && parsed.firstSeen < filter.since) return { events, next: null }
      if (filter.source && parsed?.source !== filter.source) continue
      const entry = prefix === PREFIX.log ? (record.value as LogEntry) : await readValue<LogEntry>(store, keys.log(id))
      if (!entry || (filter.status && entry.status !== filter.status)) continue
      events.push(entry)
      if (events.length >= filter.limit) return { events, next: after }
    }
    if (!page.next) return { events, next: null }
    if (scanned >= SCAN_LIMIT) return { events, next: after ?? null }
  }
}

/** An event by the bridge's id, or by `<source>:<the sender's event id>`. */
export async function findEvent(store: KeyValueStore, ref: string): Promise<LogEntry | null> {
  const id = parseEventLogId(ref) ? ref : await idOfSendersEvent(store, ref)
  return id ? readValue<LogEntry>(store, keys.log(id)) : null
}

async function idOfSendersEvent(store: KeyValueStore, ref: string): Promise<string | null> {
  const colon = ref.indexOf(':')
  if (colon < 1) return null
  return findEventId(store, ref.slice(0, colon), ref.slice(colon + 1))
}

/** How many records a prefix holds (pending, dead): paged through, values and all; these stay few. */
export async function countRecords(store: KeyValueStore, prefix: string): Promise<number> {
  let total = 0
  let after: string | undefined
  do {
    const page = await store.list(prefix, { limit: 1000, ...(after ? { after } : {}) })
    total += page.records.length
    after = page.next ?? undefined
  } while (after)
  return total
}

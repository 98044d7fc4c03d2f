import type { EventLogDeps } from './context.ts'
import { dayOf, keys, PREFIX, type LogEntry } from './records.ts'

const DAY_MS = 86_400_000
// Deletions per sweep, so a first sweep after a long pause stays short; the rest go next time.
const MAX_DELETIONS = 200
// Entries looked at per sweep, kept ones included.
const MAX_SCANNED = 1000
const PAGE = 200
const PRUNE_CURSOR = 'meta/prune-cursor'

/**
 * Deletes what is older than BRIDGE_LOG_DAYS: log entries (with their index
 * and any dead delivery) whose last activity (an arrival, a retry, a replay,
 * dying) is older, and days of counts. An event still being retried is kept
 * whatever its age, and one that died or was replayed lately is kept for
 * the days after that: its dead delivery is what a replay needs.
 */
export async function prune(deps: EventLogDeps): Promise<number> {
  const cutoff = deps.now() - deps.settings.logDays * DAY_MS
  // Every sweep gets here: a look at the oldest entry alone (one read on Blobs) tells whether there is anything to prune.
  const oldest = (await deps.store.list<LogEntry>(PREFIX.log, { limit: 1 })).records[0]
  const entries = oldest && oldest.value.firstSeen < cutoff ? await pruneEntries(deps, cutoff) : 0
  return entries + (await pruneDays(deps, cutoff))
}

/**
 * Entries are listed by first arrival; those kept (pending, or active
 * lately) are passed over, a bounded number per sweep. Where a sweep stops
 * short of the entries too young to prune, the next one carries on from
 * there (a cursor in the store), so a long run of kept entries cannot hide
 * the prunable ones behind it; past them, it starts again from the oldest.
 */
async function pruneEntries(deps: EventLogDeps, cutoff: number): Promise<number> {
  const { store } = deps
  const cursor = await store.get<{ after: string }>(PRUNE_CURSOR)
  let after = cursor?.value.after
  let deleted = 0
  let scanned = 0
  const stopHere = async () => {
    await (cursor ? store.replace(PRUNE_CURSOR, { after }, cursor.etag) : store.create(PRUNE_CURSOR, { after }))
    return deleted
  }
  const startOver = async () => {
    if (cursor) await store.delete(PRUNE_CURSOR, cursor.etag)
    return deleted
  }
  for (;;) {
    const page = await store.list<LogEntry>(PREFIX.log, { limit: PAGE, ...(after !== undefined ? { after } : {}) })
    for (const { key, value } of page.records) {
      if (value.firstSeen >= cutoff) return startOver()
      if (deleted >= MAX_DELETIONS || scanned >= MAX_SCANNED) return stopHere()
      after = key
      scanned++
      if (value.status === 'pending' || lastActivity(value) >= cutoff) continue
      await store.delete(keys.dead(value.id))
      await store.delete(keys.index(value.source, value.eventId))
      await store.delete(key)
      deleted++
    }
    if (!page.next) return startOver()
  }
}

/** When anything last happened to the event. */
function lastActivity(entry: LogEntry): number {
  return Math.max(entry.firstSeen, entry.lastSeen ?? 0, entry.deadAt ?? 0)
}

async function pruneDays(deps: EventLogDeps, cutoff: number): Promise<number> {
  const { store } = deps
  let deleted = 0
  const firstDayKept = dayOf(cutoff)
  for (const prefix of [PREFIX.stats, PREFIX.unverified]) {
    const first = (await store.list(prefix, { limit: 1 })).records[0]
    const days = first && first.key.slice(prefix.length) < firstDayKept ? (await store.list(prefix, { limit: MAX_DELETIONS })).records : []
    for (const { key } of days) {
      if (key.slice(prefix.length) >= firstDayKept) break
      await store.delete(key)
      deleted++
    }
  }
  return deleted
}

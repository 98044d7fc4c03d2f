import type { EventLogDeps } from './context.ts'
import { dayOf, keys, PREFIX, type LogEntry } from './records.ts'

const DAY_MS = 86_400_000
// Deletions per sweep, so a first sweep after a long pause stays short; the rest go next time.
const MAX_DELETIONS = 200

/**
 * Deletes what is older than BRIDGE_LOG_DAYS: log entries (with their index
 * and any dead delivery) by first arrival, and days of counts. An event
 * still being retried is kept whatever its age.
 */
export async function prune(deps: EventLogDeps): Promise<number> {
  const { store } = deps
  const cutoff = deps.now() - deps.settings.logDays * DAY_MS
  let deleted = 0

  const old = await store.list<LogEntry>(PREFIX.log, { limit: MAX_DELETIONS })
  for (const { key, value } of old.records) {
    if (value.firstSeen >= cutoff) break
    if (value.status === 'pending') continue
    await store.delete(keys.dead(value.id))
    await store.delete(keys.index(value.source, value.eventId))
    await store.delete(key)
    deleted++
  }

  const firstDayKept = dayOf(cutoff)
  for (const prefix of [PREFIX.stats, PREFIX.unverified]) {
    const days = await store.list(prefix, { limit: MAX_DELETIONS })
    for (const { key } of days.records) {
      if (key.slice(prefix.length) >= firstDayKept) break
      await store.delete(key)
      deleted++
    }
  }
  return deleted
}

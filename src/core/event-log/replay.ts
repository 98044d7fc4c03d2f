import { readValue } from '../exactly-once/store.ts'
import { quietly, type EventLogDeps, type Runner } from './context.ts'
import { runQueued } from './queue.ts'
import { keys, type LogEntry, type QueuedEvent } from './records.ts'

export interface ReplayAnswer {
  id: string
  status: LogEntry['status']
  outcome: string | null
  retryAt?: number
  /** False when there was nothing to run (a done event): nothing changed. */
  ran: boolean
}

/**
 * Runs an event again now, on an operator's word: a dead one gets a fresh
 * retry window, a queued one is run before it is due. It goes through the
 * same claims as any delivery, so a replay of something already done changes
 * nothing. Null when the bridge has no such event.
 */
export async function replayEvent(deps: EventLogDeps, id: string, run: Runner): Promise<ReplayAnswer | null> {
  const { store } = deps
  const dead = await store.get<QueuedEvent>(keys.dead(id))
  if (dead) {
    const now = deps.now()
    const { leaseUntil: _leaseUntil, ...rest } = dead.value
    const revived: QueuedEvent = { ...rest, retries: 0, retryAt: now, deadline: now + deps.settings.retryWindowSeconds * 1000 }
    // Created before the dead record goes, so a crash in between leaves it in one place or both, never in none.
    await store.create(keys.pending(id), revived)
    await quietly(deps, 'dead', () => store.delete(keys.dead(id), dead.etag))
  }
  const pending = await store.get<QueuedEvent>(keys.pending(id))
  if (!pending) {
    const entry = await readValue<LogEntry>(store, keys.log(id))
    return entry ? { id, status: entry.status, outcome: entry.status === 'done' ? 'duplicate' : (entry.outcome ?? null), ran: false } : null
  }
  const state = await runQueued(deps, { key: keys.pending(id), ...pending }, run, 'replay')
  const entry = await readValue<LogEntry>(store, keys.log(id))
  return {
    id,
    status: entry?.status ?? 'pending',
    outcome: state === 'busy' ? 'in_progress' : (entry?.outcome ?? null),
    ...(entry?.status === 'pending' && entry.retryAt ? { retryAt: entry.retryAt } : {}),
    ran: state !== 'busy',
  }
}

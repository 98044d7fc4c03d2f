import type { Delivery } from '../domain/delivery.ts'
import type { StoredRecord } from '../exactly-once/store.ts'
import { nextRetryAt } from './backoff.ts'
import { quietly, retryable, retryAfterOf, summarise, type EventLogDeps, type Runner } from './context.ts'
import { maskedRecipient, recordDead, recordQueued, recordResult, type How } from './record.ts'
import { keys, type ErrorSummary, type QueuedEvent } from './records.ts'
import { openDelivery, sealDelivery } from './seal.ts'

export type EventRef = { id: string; firstSeen: number; delivery: Delivery; first?: boolean }

/** What became of a queued event this time. */
export type RunState = 'done' | 'pending' | 'dead' | 'busy'

function refOf(record: QueuedEvent): Omit<EventRef, 'delivery'> & { delivery: Pick<Delivery, 'source' | 'eventId' | 'eventType'> } {
  return { id: record.id, firstSeen: record.firstSeen, delivery: { source: record.source, eventId: record.eventId, eventType: record.type } }
}

/**
 * Keeps a verified event that failed for a reason a retry may fix as
 * `pending/<id>`, sealed, and says when the first retry is due. A dead
 * event queued again (a redelivery or a replay) gets a new window from now.
 * Throws when the store cannot keep it: then nothing is recorded, and the
 * caller answers with the original failure.
 */
export async function enqueue(deps: EventLogDeps, ref: EventRef, error: unknown, how: How, options: { bodyDigest?: string } = {}): Promise<QueuedEvent> {
  const retryAfterSeconds = retryAfterOf(error)
  return enqueueFor(deps, ref, { summary: summarise(error), ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) }, how, options)
}

/** enqueue, for a reason that is not an error: why, and how long to wait at least (or exactly when to retry). */
export async function enqueueFor(
  deps: EventLogDeps,
  ref: EventRef,
  reason: { summary: ErrorSummary; retryAfterSeconds?: number; retryAt?: number },
  how: How,
  options: { bodyDigest?: string } = {},
): Promise<QueuedEvent> {
  const now = deps.now()
  const { settings } = deps
  const dead = await deps.store.get<QueuedEvent>(keys.dead(ref.id))
  const deadline = (dead || how === 'replay' ? now : ref.firstSeen) + settings.retryWindowSeconds * 1000
  const { summary } = reason
  const retryAt = reason.retryAt ?? nextRetryAt({
    now,
    retries: 0,
    deadline,
    settings: { firstSeconds: settings.retryFirstSeconds },
    retryAfterSeconds: reason.retryAfterSeconds,
    ...(deps.random ? { random: deps.random } : {}),
  })
  const record: QueuedEvent = {
    ...(await queuedRecord(deps, ref, retryAt, deadline, options)),
    error: summary,
  }
  const created = await deps.store.create(keys.pending(ref.id), record)
  const queued = created.created ? record : ((await deps.store.get<QueuedEvent>(keys.pending(ref.id)))?.value ?? record)
  if (dead) await quietly(deps, 'dead', () => deps.store.delete(keys.dead(ref.id)))
  const email = maskedRecipient(ref.delivery)
  await recordQueued(deps, { ...refOf(record), first: ref.first === true }, { retryAt: queued.retryAt, error: summary, ...(email ? { email } : {}) }, how)
  return queued
}

/** Keeps an event the bridge gave up on as `dead/<id>`, with its sealed delivery, for a replay. */
async function bury(deps: EventLogDeps, record: QueuedEvent, error: ErrorSummary, how: How): Promise<void> {
  const { leaseUntil: _leaseUntil, ...rest } = record
  const dead: QueuedEvent = { ...rest, error }
  const existing = await deps.store.get<QueuedEvent>(keys.dead(record.id))
  if (existing) await deps.store.replace(keys.dead(record.id), dead, existing.etag)
  else await deps.store.create(keys.dead(record.id), dead)
  await recordDead(deps, refOf(record), error, how)
}

/**
 * A failure no retry can fix, on an arrival: dead at once, kept for a replay
 * after the fix, bound to its signed body as a queued event is. An event
 * already dead keeps the delivery it first died with: an arrival adds to the
 * log, it never rewrites what a replay will run.
 */
export async function buryNew(deps: EventLogDeps, ref: EventRef, error: unknown, how: How, options: { bodyDigest?: string } = {}): Promise<void> {
  const record = await queuedRecord(deps, ref, deps.now(), deps.now(), options)
  const summary = summarise(error)
  await deps.store.create(keys.dead(record.id), { ...record, error: summary })
  await recordDead(deps, refOf(record), summary, how)
}

/** What a queued (or dead) event keeps: who and what it is, when to run it, and its delivery sealed. */
async function queuedRecord(deps: EventLogDeps, ref: EventRef, retryAt: number, deadline: number, bound: { bodyDigest?: string }): Promise<QueuedEvent> {
  return {
    id: ref.id,
    source: ref.delivery.source,
    eventId: ref.delivery.eventId,
    type: ref.delivery.eventType,
    firstSeen: ref.firstSeen,
    retryAt,
    deadline,
    retries: 0,
    delivery: sealDelivery(ref.delivery, await deps.sealKey(), ref.id),
    ...(bound.bodyDigest ? { bodyDigest: bound.bodyDigest } : {}),
  }
}

/**
 * Runs one queued event, if its lease can be taken: a compare-and-swap on
 * the record, so two sweepers (or a sweeper and a replay) never run it
 * together. The pipeline's own claims still decide what happens, so a run
 * after a crash, or after the sender's retry got through, invites nobody twice.
 */
export async function runQueued(deps: EventLogDeps, stored: StoredRecord<QueuedEvent> & { key: string }, run: Runner, how: How): Promise<RunState> {
  const { store } = deps
  const record = stored.value
  const now = deps.now()
  if ((record.leaseUntil ?? 0) > now) return 'busy'
  const leased = await store.replace<QueuedEvent>(stored.key, { ...record, leaseUntil: now + deps.leaseMs }, stored.etag)
  if (!leased.replaced) return 'busy'
  const etag = leased.etag

  let delivery: Delivery
  try {
    delivery = openDelivery(record.delivery, await deps.sealKey(), record.id)
  } catch (error) {
    await bury(deps, record, { code: 'unreadable', message: (error as Error).message }, how)
    await store.delete(stored.key, etag)
    return 'dead'
  }
  const ref: EventRef = { id: record.id, firstSeen: record.firstSeen, delivery }

  let ran
  try {
    // The same body binding as on arrival: a retry is the event that was signed, not just its id.
    ran = await run(delivery, record.bodyDigest ? { bodyDigest: record.bodyDigest } : {})
  } catch (error) {
    const summary = summarise(error)
    if (!retryable(error) || deps.now() >= record.deadline) {
      await bury(deps, record, summary, how)
      await store.delete(stored.key, etag)
      return 'dead'
    }
    const retries = record.retries + 1
    const retryAt = nextRetryAt({
      now: deps.now(),
      retries,
      deadline: record.deadline,
      settings: { firstSeconds: deps.settings.retryFirstSeconds },
      retryAfterSeconds: retryAfterOf(error),
      ...(deps.random ? { random: deps.random } : {}),
    })
    await reschedule(deps, stored.key, etag, { ...record, retries, retryAt, error: summary })
    await recordQueued(deps, refOf(record), { retryAt, error: summary }, how)
    return 'pending'
  }

  if (ran.result.outcome === 'in_progress') {
    // Another attempt holds the event's claim, or its person: come back when that lease is up, without counting a retry.
    const retryAt = deps.now() + (ran.result.retryAfterSeconds ?? 1) * 1000
    await reschedule(deps, stored.key, etag, { ...record, retryAt })
    // The log says so (a replayed dead event is pending again, not dead).
    await recordQueued(deps, refOf(record), { retryAt, error: { code: 'in_progress', message: ran.result.reason ?? 'another attempt is busy with this event or person' } }, how)
    return 'pending'
  }
  await recordResult(deps, ref, ran, how)
  await store.delete(stored.key, etag)
  return 'done'
}

async function reschedule(deps: EventLogDeps, key: string, etag: string, record: QueuedEvent): Promise<void> {
  const { leaseUntil: _leaseUntil, ...next } = record
  // Losing this write means our lease ran out and another sweeper took the event: it decides now.
  await deps.store.replace(key, next, etag)
}

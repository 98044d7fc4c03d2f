import type { Delivery, DeliveryResult } from '../domain/delivery.ts'
import { readValue } from '../exactly-once/store.ts'
import { quietly, refusesBody, retryable, type EventLogDeps, type Runner } from './context.ts'
import { indexEvent } from './entries.ts'
import { buryNew, enqueue, enqueueFor } from './queue.ts'
import { recordResult, recordWaiting } from './record.ts'
import { eventLogId, keys, type QueuedEvent } from './records.ts'

export type Arrival = { kind: 'result'; id: string; result: DeliveryResult } | { kind: 'queued'; id: string; retryAt: number }

/**
 * A verified delivery from its sender, run and recorded. A failure a retry
 * may fix is queued for the bridge's own retries (`queued`), whoever the
 * sender is and whether or not it would retry, and so is an event whose
 * person was busy with another; a redelivery of a queued event is answered
 * `queued` again and changes nothing. Throws when the failure cannot be
 * queued (the store is down: nothing could be recorded), when no retry can
 * fix it (the event is then kept as dead), and when the body is refused as
 * not the event its id names (nothing is recorded).
 */
export interface ReceiveOptions {
  bodyDigest?: string
  /**
   * Where the runtime keeps work going after the answer (Netlify's
   * waitUntil): recording a result that is already final need not hold the
   * answer up. Absent, it is recorded before the answer.
   */
  afterAnswer?: (work: () => Promise<void>) => void
}

export async function receiveDelivery(deps: EventLogDeps, delivery: Delivery, run: Runner, options: ReceiveOptions = {}): Promise<Arrival> {
  /*
   * The event's place in the log (log-index/<source>/<event id>) is found
   * only when something needs it. An event's first arrival takes the
   * pipeline's event claim, which already says "first" atomically and
   * remembers when: its index is written with the result, after the answer
   * where the runtime allows, and is one round trip fewer before it. An
   * event seen before is asked about at its claim (seenBefore): one queued
   * for the bridge's own retry is left to it and answered `queued`.
   */
  let claim: { firstSeen: number | undefined; fresh: boolean; held: boolean } | undefined
  let indexed: Promise<{ id: string; firstSeen: number; first: boolean }> | undefined
  // The claim's first time names the event, so every arrival that resolves the index proposes the same id.
  const index = (firstSeen: number | undefined, likelyExists = false) =>
    (indexed ??= indexEvent(deps.store, delivery, firstSeen ?? deps.now(), { likelyExists }))
  let waiting: { id: string; retryAt: number } | undefined
  const seenBefore = async (firstSeen: number | undefined) => {
    const { id, firstSeen: first } = await index(firstSeen, true)
    const queued = await readValue<QueuedEvent>(deps.store, keys.pending(id))
    if (!queued) return true
    waiting = { id, retryAt: queued.retryAt }
    await recordWaiting(deps, { id, firstSeen: first, delivery, first: false })
    return false
  }
  const received = { ...(options.bodyDigest ? { bodyDigest: options.bodyDigest } : {}), seenBefore, onClaim: (found: typeof claim) => (claim = found) }

  let ran
  try {
    ran = await run(delivery, received)
  } catch (error) {
    if (refusesBody(error)) throw error
    const { id, firstSeen, first } = await index(claim?.firstSeen, claim !== undefined && !claim.fresh)
    const ref = { id, firstSeen, delivery, first }
    if (!retryable(error)) {
      await quietly(deps, 'dead', () => buryNew(deps, ref, error, 'arrival', options))
      throw error
    }
    let queued
    try {
      queued = await enqueue(deps, ref, error, 'arrival', options)
    } catch (queueError) {
      await quietly(deps, 'queue', () => Promise.reject(queueError))
      throw error
    }
    return { kind: 'queued', id, retryAt: queued.retryAt }
  }
  if (waiting) return { kind: 'queued', id: waiting.id, retryAt: waiting.retryAt }

  // This arrival held the event's claim, but the person (or their roles) was busy with another event, so it gave the
  // claim back: a sender that never retries (GitHub) would leave the event undone. The bridge retries it instead.
  if (ran.result.outcome === 'in_progress' && claim?.held) {
    const { id, firstSeen, first } = await index(claim.firstSeen, !claim.fresh)
    // Not a failure, so no backoff: it is due when the other event's hold on the person ends, as a sweep reschedules it.
    const why = { summary: { code: 'in_progress', message: ran.result.reason ?? 'the person is busy with another event' }, retryAt: deps.now() + (ran.result.retryAfterSeconds ?? 1) * 1000 }
    try {
      const queued = await enqueueFor(deps, { id, firstSeen, delivery, first }, why, 'arrival', options)
      return { kind: 'queued', id, retryAt: queued.retryAt }
    } catch (queueError) {
      // Not kept: the sender hears 409, as it would have, and may retry.
      await quietly(deps, 'queue', () => Promise.reject(queueError))
    }
  }

  // An event that reached no claim (ignored) is named by when it was answered.
  const proposed = claim?.firstSeen ?? deps.now()
  const seen = claim !== undefined && !claim.fresh
  const guessed = () => eventLogId(delivery.source, delivery.eventId, proposed)
  // The work is done, whatever the log says: a store that fails the log here fails the log, not the answer.
  const record = () =>
    quietly(deps, 'log', async () => {
      const { id, firstSeen, first } = await index(proposed, seen)
      const { wasDead } = await recordResult(deps, { id, firstSeen, delivery, first }, ran, 'arrival')
      // A dead event the sender delivered again, and this time it went through.
      if (wasDead) await quietly(deps, 'dead', () => deps.store.delete(keys.dead(id)))
    })
  const named = () => index(proposed, seen).then(({ id }) => id, guessed)
  if (options.afterAnswer) {
    // Only a first claim can leave the index for later: it names the event by the id the index will hold (unless an
    // earlier arrival that reached no claim, an ignored one, named it first). Any other arrival looks now.
    const id = claim?.fresh && !indexed ? guessed() : await named()
    options.afterAnswer(record)
    return { kind: 'result', id, result: ran.result }
  }
  await record()
  return { kind: 'result', id: await named(), result: ran.result }
}

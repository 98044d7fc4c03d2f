import type { Delivery, DeliveryResult } from '../domain/delivery.ts'
import { quietly, retryable, type EventLogDeps, type Runner } from './context.ts'
import { indexEvent } from './entries.ts'
import { buryNew, enqueue } from './queue.ts'
import { recordResult, recordWaiting } from './record.ts'
import { keys, type QueuedEvent } from './records.ts'

export type Arrival = { kind: 'result'; id: string; result: DeliveryResult } | { kind: 'queued'; id: string; retryAt: number }

/**
 * A verified delivery from its sender, run and recorded. A failure a retry
 * may fix is queued for the bridge's own retries (`queued`), whoever the
 * sender is and whether or not it would retry; a redelivery of a queued
 * event is answered `queued` again and changes nothing. Throws when the
 * failure cannot be queued (the store is down: nothing could be recorded)
 * and when no retry can fix it (the event is then kept as dead).
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
  const { id, firstSeen, first } = await indexEvent(deps.store, delivery, deps.now())
  const ref = { id, firstSeen, delivery, first }
  // An event's first arrival cannot be queued yet: no need to look.
  const waiting = first ? null : await deps.store.get<QueuedEvent>(keys.pending(id))
  if (waiting) {
    await recordWaiting(deps, ref)
    return { kind: 'queued', id, retryAt: waiting.value.retryAt }
  }

  let ran
  try {
    ran = await run(delivery, options.bodyDigest ? { bodyDigest: options.bodyDigest } : {})
  } catch (error) {
    if (!retryable(error)) {
      await quietly(deps, 'dead', () => buryNew(deps, ref, error, 'arrival'))
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
  const record = async () => {
    const { wasDead } = await recordResult(deps, ref, ran, 'arrival')
    // A dead event the sender delivered again, and this time it went through.
    if (wasDead) await quietly(deps, 'dead', () => deps.store.delete(keys.dead(id)))
  }
  if (options.afterAnswer) options.afterAnswer(record)
  else await record()
  return { kind: 'result', id, result: ran.result }
}

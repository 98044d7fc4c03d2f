import type { Delivery } from '../domain/delivery.ts'
import type { KeyValueStore } from '../exactly-once/store.ts'
import { receiveDelivery, type Arrival, type ReceiveOptions } from './arrival.ts'
import { quietly, type EventLogDeps, type Runner } from './context.ts'
import type { Deferred } from './deferred.ts'
import { count } from './entries.ts'
import { dayOf, keys } from './records.ts'
import { replayEvent, type ReplayAnswer } from './replay.ts'
import { sweep, type SweepReport } from './sweep.ts'

export type { Arrival } from './arrival.ts'
export { RECORD_ONLY_PREFIXES } from './records.ts'
export { createDeferred, type Deferred } from './deferred.ts'
export type { EventLogDeps, Ran, Runner } from './context.ts'
export type { ReplayAnswer } from './replay.ts'
export type { SweepReport } from './sweep.ts'

/** The event log as the routes use it: one object built by the composition root. */
export interface EventLog {
  readonly store: KeyValueStore
  /** A verified delivery from its sender: run, recorded, and queued when a retry may fix its failure. */
  receive(delivery: Delivery, run: Runner, options?: ReceiveOptions): Promise<Arrival>
  /** Runs the queued events that are due, then prunes. */
  sweep(run: Runner, options: { budgetMs: number }): Promise<SweepReport>
  replay(id: string, run: Runner): Promise<ReplayAnswer | null>
  /** A request refused before its signature held (counted per day, sender and reason; never stored one by one). */
  countUnverified(source: string, reason: string): Promise<void>
  /** Resolves once every result this instance answered before recording is recorded: read the log after this. */
  settled(): Promise<void>
}

/**
 * `deferred`: where results are recorded after the answer when the request's
 * runtime offers no place of its own (npm start); absent, they are recorded
 * before it.
 */
export function createEventLog(deps: EventLogDeps, options: { deferred?: Deferred } = {}): EventLog {
  const { deferred } = options
  return {
    store: deps.store,
    receive: (delivery, run, received = {}) =>
      receiveDelivery(deps, delivery, run, received.afterAnswer || !deferred ? received : { ...received, afterAnswer: (work) => deferred.run(work) }),
    settled: () => deferred?.settled() ?? Promise.resolve(),
    sweep: (run, options) => sweep(deps, run, options),
    replay: (id, run) => replayEvent(deps, id, run),
    countUnverified: (source, reason) =>
      quietly(deps, 'unverified', () => count(deps.store, keys.unverified(dayOf(deps.now())), source, reason)),
  }
}

import type { EventsConfig } from '../config/events-config.ts'
import type { Delivery, DeliveryResult } from '../domain/delivery.ts'
import { BridgeError, errorAnswer, UpstreamError } from '../domain/errors.ts'
import type { LogFields } from '../domain/log.ts'
import type { KeyValueStore } from '../exactly-once/store.ts'
import type { ErrorSummary } from './records.ts'
import type { Received } from '../pipeline/process.ts'

/** What the event log needs; everything with a side effect comes in here. */
export interface EventLogDeps {
  store: KeyValueStore
  now: () => number
  settings: EventsConfig
  /** The secret queued deliveries are sealed with. */
  sealKey: () => Promise<string>
  /** The person hash key, for the people index. */
  hashKey: () => Promise<string>
  /** How long a sweeper holds a queued event (the pipeline's claim lease). */
  leaseMs: number
  random?: () => number
  /** Failures of the log itself go here: they never fail a delivery that was handled. */
  warn: (fields: LogFields) => void
}

/** What running a delivery through the pipeline gave, and the person's normalised address when one was found (never stored). */
export interface Ran {
  result: DeliveryResult
  person?: string
}

/** Runs one delivery through the pipeline (verify and map already happened). */
export type { Received }

export type Runner = (delivery: Delivery, received?: Received) => Promise<Ran>

/**
 * Whether a failure after verification is worth the bridge's own retries:
 * an upstream that may recover (identity, a sender's API, the store) or a
 * failure nobody foresaw. A BridgeError of any other kind (a missing
 * setting, a refused request) will fail the same way until someone acts:
 * the event is dead at once, and kept for a replay.
 */
export function retryable(error: unknown): boolean {
  return error instanceof UpstreamError || !(error instanceof BridgeError)
}

/**
 * A refusal of the body itself (its id was first delivered with another
 * signed body): not a failure of the event the id names, so the log records
 * nothing, and that event's records (its queued or dead delivery) stay as
 * they are.
 */
export function refusesBody(error: unknown): boolean {
  return error instanceof BridgeError && error.code === 'event_id_mismatch'
}

/** The error as the log keeps it: its public code and message, never a stack or a secret. */
export function summarise(error: unknown): ErrorSummary {
  const { code, message } = errorAnswer(error).body.error
  return { code, message }
}

export function retryAfterOf(error: unknown): number | undefined {
  return error instanceof BridgeError ? error.retryAfter : undefined
}

/** Runs a write to the log whose failure must not change the answer; tells `warn` instead. */
export async function quietly(deps: Pick<EventLogDeps, 'warn'>, what: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write()
  } catch (error) {
    deps.warn({ level: 'warn', event: 'event_log_write_failed', what, ...errorAnswer(error).log })
  }
}

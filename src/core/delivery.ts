import type { SourceName } from './config.ts'

/** Who an event is about, as the source knows them. */
export type Recipient =
  | { kind: 'email'; email: string }
  /** Only a GitHub login is known: the pipeline looks up the public email. */
  | { kind: 'github-login'; login: string }

export type Action =
  | { kind: 'ignore'; reason: string }
  | { kind: 'invite'; recipient: Recipient | null; data?: Record<string, unknown> }

/** A verified event, reduced to what the pipeline needs. Sources produce these; the pipeline knows no source. */
export interface Delivery {
  source: SourceName
  /** The provider's idempotency key: the same on every redelivery. */
  eventId: string
  eventType: string
  action: Action
}

export type Outcome =
  | 'invited'
  | 'already_registered'
  | 'duplicate'
  | 'ignored'
  | 'no_email'
  | 'rejected'
  | 'in_progress'

export interface DeliveryResult {
  outcome: Outcome
  reason?: string
  /** Masked address, for the log line. */
  email?: string
  retryAfterSeconds?: number
}

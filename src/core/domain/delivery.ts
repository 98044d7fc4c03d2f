import type { MatchFacts } from '../../rules/match.ts'
import type { SourceName } from '../config/config.ts'

/** Who an event is about, as the source knows them. */
export type Recipient =
  | { kind: 'email'; email: string }
  /** Only a GitHub login is known: the pipeline looks up the public email. */
  | { kind: 'github-login'; login: string }
  /** Only a Stripe customer id is known (subscription events): the pipeline reads the customer. */
  | { kind: 'stripe-customer'; customerId: string }

/**
 * A verified event, reduced to what the pipeline needs: who it is about, and
 * the facts rules match on. Sources produce these; the pipeline knows no source.
 */
export interface Delivery {
  source: SourceName
  /** The provider's idempotency key: the same on every redelivery. */
  eventId: string
  /** `checkout.session.completed`, `organization.member_added`, …: what rules name. */
  eventType: string
  /**
   * When the provider says the event happened (ms), to order role changes that
   * arrive out of order. Absent when the payload carries no time (GitHub):
   * then the first delivery of this event id stands in for it.
   */
  occurredAt?: number
  /** Set when the event cannot count whatever the rules say (an unpaid session, a ping): why. */
  skip?: string
  recipient: Recipient | null
  /** User metadata the event itself gives (the buyer's name as `full_name`). */
  data?: Record<string, unknown>
  facts: MatchFacts
  /** Where the purchased items are when the event does not carry them. */
  itemsFrom?: { kind: 'stripe-checkout'; sessionId: string }
}

export type Outcome =
  | 'invited'
  | 'already_registered'
  | 'duplicate'
  | 'roles_updated'
  | 'no_account'
  | 'ignored'
  | 'no_email'
  | 'rejected'
  | 'in_progress'
  | 'dry_run'

export interface DeliveryResult {
  outcome: Outcome
  reason?: string
  /** Masked address, for the log line. */
  email?: string
  retryAfterSeconds?: number
  /** What happened to roles, when rules asked for a change. */
  roles?: { granted: string[]; revoked: string[] }
  /** What would have happened (dry run), or what the rules asked for. */
  plan?: { invite: boolean; grant: string[]; revoke: string[]; rules: number[] }
}

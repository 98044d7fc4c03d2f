import type { MatchFacts } from './facts.ts'

/** Who an event is about, as the sender knows them. */
export type Recipient =
  | { kind: 'email'; email: string }
  /**
   * Only an account of the sender's is known (a GitHub login, a Stripe
   * customer id): the sender's own reads find the person behind it.
   */
  | { kind: 'account'; account: string }

/**
 * A verified event, reduced to what the pipeline needs: who it is about, and
 * the facts rules match on. Senders produce these; the pipeline knows no sender.
 */
export interface Delivery {
  /** The sender's name, as its route and its rules name it. */
  source: string
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
  /**
   * The signature covers the event id (Stripe's is inside the signed body), so
   * a second body under one id can only be the provider's own re-render (Stripe's
   * `pending_webhooks` counts down between attempts), never a replay under a
   * borrowed id. Absent (GitHub: the delivery id is an unsigned header): the
   * id is bound to the first body it came with.
   */
  idSigned?: true
  /** Set when the event cannot count whatever the rules say (an unpaid session, a ping): why. */
  skip?: string
  recipient: Recipient | null
  /**
   * Who the event is about as the sender identifies them for good (a Stripe
   * customer id, a GitHub user id): what the ledger links to an identity
   * account, so a later revoke finds the account whatever the email is then.
   */
  subject?: string
  /** User metadata the event itself gives (the buyer's name as `full_name`). */
  data?: Record<string, unknown>
  facts: MatchFacts
  /** What the sender's reads need to find the purchased items when the event does not carry them (a checkout session id). */
  itemsFrom?: string
}

export type Outcome =
  | 'invited'
  | 'already_registered'
  | 'duplicate'
  | 'roles_updated'
  | 'no_account'
  /** A revoke for a subject the ledger never linked to an account, whose address could not be found either. */
  | 'unlinked'
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
  /** Why this answer deserves attention (a revoke that reached nobody): logged as a warning. */
  warning?: string
  /** The sender's subject the warning is about (`user:123`, `cus_…`; never an email). */
  subject?: string
  /** What happened to roles, when rules asked for a change. */
  roles?: { granted: string[]; revoked: string[] }
  /** What would have happened (dry run), or what the rules asked for. */
  plan?: { invite: boolean; grant: string[]; revoke: string[]; rules: number[] }
}

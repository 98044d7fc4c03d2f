import type { Delivery } from '../domain/delivery.ts'
import { recordArrival } from './arrival.ts'
import { tryClaimEvent, type Claim, type ClaimOptions, type ClaimRecord, type ClaimWatch } from './claims.ts'

export type EventClaimAttempt =
  /** `at`: when the event happened, or when its body first arrived: where its role changes sort. */
  | { kind: 'claimed'; claim: Claim; at: number; eventId: string }
  /** `eventId`: the id it was handled under, which differs when this body first came under another. */
  | { kind: 'done'; outcome: string; eventId: string }
  | { kind: 'busy'; retryAfterSeconds: number }
  /** The id was first delivered with another body: refuse, change nothing. */
  | { kind: 'mismatch' }
  /** `seenBefore` kept its hands off: the event is someone else's to run (queued for the bridge's own retry). */
  | { kind: 'withheld' }

export function eventKey(delivery: Pick<Delivery, 'source' | 'eventId'>): string {
  return `event/${delivery.source}/${encodeURIComponent(delivery.eventId)}`
}

/**
 * The event claim. With a body digest (a sender whose signature does not
 * cover the id), the claim is bound to the signed body: a body under a
 * borrowed id is refused before anything is written, and the first arrival of
 * the body (recorded before anything can refuse it) decides both which event
 * it is (the same bytes under a new id are the event they first came as) and,
 * when the payload carries no time, where it sorts.
 */
export async function claimEvent(
  delivery: Pick<Delivery, 'source' | 'eventId' | 'occurredAt'>,
  digest: string | undefined,
  options: ClaimOptions,
  watch?: ClaimWatch,
): Promise<EventClaimAttempt> {
  if (!digest) {
    const attempt = await tryClaimEvent(eventKey(delivery), undefined, options, watch)
    if (attempt.kind !== 'claimed') return attempt.kind === 'done' ? { ...attempt, eventId: delivery.eventId } : attempt
    return { ...attempt, at: delivery.occurredAt ?? attempt.claim.firstSeen, eventId: delivery.eventId }
  }

  const own = await options.store.get<ClaimRecord>(eventKey(delivery))
  if (own?.value.digest && own.value.digest !== digest) return { kind: 'mismatch' }
  const arrival = await recordArrival(options.store, delivery.source, digest, delivery.eventId, options.now)
  // The body first came under another id: that event's claim decides, but its first time is not this id's.
  const seenBefore = watch?.seenBefore
  const watched = arrival.eventId === delivery.eventId ? watch : seenBefore ? { seenBefore: () => seenBefore(undefined) } : undefined
  // Its own record, just read, is the claim's first turn: no create that would fail, no second read.
  const known = arrival.eventId === delivery.eventId ? (own ?? undefined) : undefined
  const attempt = await tryClaimEvent(eventKey({ source: delivery.source, eventId: arrival.eventId }), digest, options, watched, known)
  if (attempt.kind === 'done') return { ...attempt, eventId: arrival.eventId }
  if (attempt.kind !== 'claimed') return attempt
  // A claim taken before arrivals were recorded may remember an earlier first delivery.
  return { ...attempt, at: delivery.occurredAt ?? Math.min(arrival.at, attempt.claim.firstSeen), eventId: arrival.eventId }
}

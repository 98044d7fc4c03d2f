import type { Delivery, DeliveryResult } from '../domain/delivery.ts'
import { BridgeError } from '../domain/errors.ts'
import type { IdentityClient } from '../domain/identity.ts'
import { recordArrival } from '../exactly-once/arrival.ts'
import { markUnclaimed, type ClaimWatch } from '../exactly-once/claims.ts'
import { claimEvent, eventKey } from '../exactly-once/event-claim.ts'
import { runLater } from '../exactly-once/later.ts'
import type { KeyValueStore } from '../exactly-once/store.ts'
import { carryOut, subjectOf, type Subject } from './carry-out.ts'
import { planDelivery, type PlanDeps, type PlanResult } from './plan.ts'

export { eventKey } from '../exactly-once/event-claim.ts'

export interface PipelineDeps extends PlanDeps {
  store: KeyValueStore
  /** The identity client for this request; throws NotConfiguredError when there is none. */
  identity: () => IdentityClient
  /** Verify, match and log, but write nothing anywhere. */
  dryRun: boolean
  hashKey: () => Promise<string>
  now: () => number
  leaseMs: number
  /** IDENTITY_TIMEOUT_MS, which the role lock's lease is reckoned from. */
  identityTimeoutMs?: number
  /** Told the person's normalised address once it is known: the event log indexes people by its hash. */
  onPerson?: (email: string) => void
  /**
   * Takes work that must finish but need not hold up the answer, to start
   * once the answer is out: the writes that only record what identity
   * confirmed (Netlify's context.waitUntil). Absent, they are awaited before
   * the answer. Either way they run in the same order and a failure releases
   * the event claim; see "Performance" in the README for why answering first
   * keeps every retry a duplicate.
   */
  afterAnswer?: (work: () => Promise<void>) => void
  /**
   * This instance's events answered but still being recorded after the
   * answer, by event key, with their outcome: a redelivery in that moment is
   * the duplicate it is, not "busy". One map per app.
   */
  recording?: Map<string, string>
}

/** What the door knows of a delivery besides what the sender mapped. */
export interface Received {
  /** sha256 (hex) of the raw signed body. */
  bodyDigest?: string
  /**
   * Asked when the event was claimed before and is not done, with when it
   * was first claimed: false leaves the claim alone (the event log holds the
   * event for its own retry) and the answer is in_progress.
   */
  seenBefore?: ClaimWatch['seenBefore']
  /**
   * Told what this delivery found at the event's claim: when the event was
   * first claimed (absent in records older than that field), whether this
   * delivery was that first claim, and whether it holds the claim now (it
   * took it, fresh or over: an in_progress answer then means it gave the
   * claim back and nobody else will run the event). Told again when a
   * record found is then taken over. Not told when no claim was reached
   * (ignored, refused).
   */
  onClaim?: (claim: { firstSeen: number | undefined; fresh: boolean; held: boolean }) => void
}

/**
 * verify → map happened in the sender; this is plan → claim → invite and
 * roles → record, the same for every sender. The event claim makes every
 * change happen once per event (bound to its signed body where the signature
 * does not cover the id); the person claim (in inviteOnce) makes the invite
 * happen once per person. Done is recorded only after identity confirmed and
 * the ledger holds the account the subject was given.
 */
export async function processDelivery(delivery: Delivery, deps: PipelineDeps, received: Received = {}): Promise<DeliveryResult> {
  const digest = delivery.idSigned ? undefined : received.bodyDigest
  // Read once per instance, and any claimed event needs it: started now, it goes beside the plan's own reads and the claim.
  if (!deps.dryRun) deps.hashKey().catch(() => {})
  let planned: PlanResult
  try {
    planned = await planDelivery(delivery, deps)
  } catch (error) {
    if (!deps.dryRun) {
      // Refused for now (a sender's API is down): the body still keeps its place in line for the retry.
      const arrival = digest ? await recordArrival(deps.store, delivery.source, digest, delivery.eventId, deps.now).catch(() => null) : null
      // And the event counts as seen: its redelivery asks the event log (which may hold it queued) before running.
      // Under the id the body first came as: that is the claim a redelivery of this body will reach.
      const claimKey = eventKey({ source: delivery.source, eventId: arrival?.eventId ?? delivery.eventId })
      await markUnclaimed(claimKey, digest, { store: deps.store, now: deps.now, leaseMs: deps.leaseMs }).catch(() => {})
    }
    throw error
  }
  if ('ignored' in planned) return { outcome: 'ignored', reason: planned.ignored }
  const { plan } = planned
  const summary = { invite: plan.invite, grant: plan.grant, revoke: plan.revoke, rules: plan.matched }
  if (deps.dryRun) return { outcome: 'dry_run', reason: 'BRIDGE_DRY_RUN is set: nothing was written', plan: summary }

  const watch: ClaimWatch = {
    found: (firstSeen) => received.onClaim?.({ firstSeen, fresh: false, held: false }),
    ...(received.seenBefore ? { seenBefore: received.seenBefore } : {}),
  }
  // The subject's ledger link does not depend on the claim: read beside it, it is one round trip fewer before the invite.
  const subject = delivery.subject ? subjectOf(delivery.subject, delivery.source, deps) : undefined
  subject?.catch(() => {})
  const event = await claimEvent(delivery, digest, { store: deps.store, now: deps.now, leaseMs: deps.leaseMs }, watch)
  if (event.kind === 'mismatch') {
    throw new BridgeError(422, 'event_id_mismatch', `Event ${delivery.eventId} was first delivered with another signed body: this body is not that event, and nothing was changed`)
  }
  if (event.kind === 'claimed') {
    // Claimed as the event this body first came as: that claim's first time is not this id's.
    received.onClaim?.(
      event.eventId === delivery.eventId ? { firstSeen: event.claim.firstSeen, fresh: event.claim.fresh, held: true } : { firstSeen: undefined, fresh: false, held: true },
    )
  }
  if (event.kind === 'done') {
    const under = event.eventId === delivery.eventId ? 'event already handled' : `this body was already delivered as event ${event.eventId}`
    return { outcome: 'duplicate', reason: `${under} (${event.outcome})` }
  }
  if (event.kind === 'withheld') {
    return { outcome: 'in_progress', reason: "this event is queued for the bridge's own retry", retryAfterSeconds: 1 }
  }
  if (event.kind === 'busy') {
    const recorded = deps.recording?.get(eventKey(delivery))
    if (recorded) return { outcome: 'duplicate', reason: `event already handled (${recorded})` }
    return { outcome: 'in_progress', reason: 'this event is being handled by another attempt', retryAfterSeconds: event.retryAfterSeconds }
  }

  const later: Array<() => Promise<void>> | undefined = deps.afterAnswer ? [] : undefined
  const record = async (result: DeliveryResult) => {
    // The event is done only once what it did is recorded: the person's "done" and the ledger's link.
    if (later) await runLater(later)
    if (result.outcome === 'in_progress') await event.claim.release()
    else await event.claim.complete(result.outcome)
  }
  let result: DeliveryResult
  try {
    // Inside the claim: a refusal here (no identity configured) releases it, and the first arrival stays recorded.
    // Only a first claim may use the early read: an attempt before this one may have linked the subject since.
    const prefetched: Promise<Subject | null> | undefined = event.claim.fresh ? subject : undefined
    result = await carryOut(delivery, event.at, plan, deps.identity(), later ? { ...deps, later } : deps, prefetched)
    if (!deps.afterAnswer) await record(result)
  } catch (error) {
    // An invite identity confirmed before the failure is still recorded as done.
    if (later) await runLater(later).catch(() => {})
    await event.claim.release().catch(() => {})
    throw error
  }
  if (deps.afterAnswer) {
    const key = eventKey(delivery)
    const settled = result.outcome !== 'in_progress'
    if (settled) deps.recording?.set(key, result.outcome)
    deps.afterAnswer(() =>
      record(result)
        .catch(async (error: unknown) => {
          await event.claim.release().catch(() => {})
          throw error
        })
        .finally(() => settled && deps.recording?.delete(key)),
    )
  }
  return { ...result, plan: summary }
}

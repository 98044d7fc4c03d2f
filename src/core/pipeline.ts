import { tryClaim, type Claim } from './claims.ts'
import type { Delivery, DeliveryResult, Recipient } from './delivery.ts'
import { maskEmail, normaliseEmail, personId } from './email.ts'
import type { IdentityClient } from './identity.ts'
import type { KeyValueStore } from './store.ts'

/** A person found behind a login: the email is null when they keep it private. */
export interface DirectoryEntry {
  email: string | null
  name?: string | null
}

export interface PipelineDeps {
  store: KeyValueStore
  /** The identity client for this request; throws NotConfiguredError when there is none. */
  identity: () => IdentityClient
  /** GitHub login → public email; throws UpstreamError when GitHub cannot answer now. */
  lookupGitHubUser: (login: string) => Promise<DirectoryEntry | null>
  hashKey: () => Promise<string>
  now: () => number
  leaseMs: number
}

export function eventKey(delivery: Pick<Delivery, 'source' | 'eventId'>): string {
  return `event/${delivery.source}/${encodeURIComponent(delivery.eventId)}`
}

/**
 * verify → map happened in the source; this is claim → invite → record, the
 * same for every source. Two claims guard each invite: the event (so a
 * redelivery does nothing) and the person (so two different events about one
 * address invite once). Done is recorded only after identity confirmed.
 */
export async function processDelivery(delivery: Delivery, deps: PipelineDeps): Promise<DeliveryResult> {
  const { action } = delivery
  if (action.kind === 'ignore') return { outcome: 'ignored', reason: action.reason }

  // Fails before anything is claimed, so the provider's retry after a fix goes through.
  const identity = deps.identity()
  const claimOptions = { store: deps.store, now: deps.now, leaseMs: deps.leaseMs }

  const event = await tryClaim(eventKey(delivery), claimOptions)
  if (event.kind === 'done') return { outcome: 'duplicate', reason: `event already handled (${event.outcome})` }
  if (event.kind === 'busy') return inProgress('this event is being handled by another attempt', event.retryAfterSeconds)

  try {
    const result = await invitePerson(action.recipient, action.data, identity, deps, event.claim)
    return result
  } catch (error) {
    await event.claim.release().catch(() => {})
    throw error
  }
}

async function invitePerson(
  recipient: Recipient | null,
  data: Record<string, unknown> | undefined,
  identity: IdentityClient,
  deps: PipelineDeps,
  eventClaim: Claim,
): Promise<DeliveryResult> {
  const person = await resolve(recipient, deps)
  if (!person?.email) {
    await eventClaim.complete('no_email')
    return { outcome: 'no_email', reason: 'the event names nobody with a known email address' }
  }
  const email = normaliseEmail(person.email)
  if (!email) {
    await eventClaim.complete('rejected')
    return { outcome: 'rejected', reason: 'the event carries an invalid email address' }
  }
  const masked = maskEmail(email)
  const inviteData = person.name && !data?.full_name ? { full_name: person.name, ...data } : data

  const key = `person/${personId(email, await deps.hashKey())}`
  const personClaim = await tryClaim(key, { store: deps.store, now: deps.now, leaseMs: deps.leaseMs })
  if (personClaim.kind === 'done') {
    await eventClaim.complete('duplicate')
    return { outcome: 'duplicate', reason: `person already handled (${personClaim.outcome})`, email: masked }
  }
  if (personClaim.kind === 'busy') {
    await eventClaim.release()
    return { ...inProgress('this person is being invited by another event', personClaim.retryAfterSeconds), email: masked }
  }

  let invite
  try {
    invite = await identity.invite(email, inviteData)
  } catch (error) {
    await personClaim.claim.release().catch(() => {})
    throw error
  }
  if (invite.outcome === 'rejected') {
    // The address is unusable, not the person handled: leave the person open.
    await personClaim.claim.release()
    await eventClaim.complete('rejected')
    return { outcome: 'rejected', reason: `identity refused the address: ${invite.reason}`, email: masked }
  }
  await personClaim.claim.complete(invite.outcome)
  await eventClaim.complete(invite.outcome)
  return { outcome: invite.outcome, email: masked }
}

async function resolve(recipient: Recipient | null, deps: PipelineDeps): Promise<DirectoryEntry | null> {
  if (!recipient) return null
  if (recipient.kind === 'email') return { email: recipient.email }
  return deps.lookupGitHubUser(recipient.login)
}

function inProgress(reason: string, retryAfterSeconds: number): DeliveryResult {
  return { outcome: 'in_progress', reason, retryAfterSeconds }
}

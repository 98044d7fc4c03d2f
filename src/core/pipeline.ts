import { tryClaim } from './claims.ts'
import type { Delivery, DeliveryResult, Outcome, Recipient } from './delivery.ts'
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
  if (event.kind === 'busy') {
    return { outcome: 'in_progress', reason: 'this event is being handled by another attempt', retryAfterSeconds: event.retryAfterSeconds }
  }

  try {
    const result = await inviteRecipient(action.recipient, action.data, identity, deps)
    if (result.outcome === 'in_progress') await event.claim.release()
    else await event.claim.complete(result.outcome)
    return result
  } catch (error) {
    await event.claim.release().catch(() => {})
    throw error
  }
}

async function inviteRecipient(
  recipient: Recipient | null,
  data: Record<string, unknown> | undefined,
  identity: IdentityClient,
  deps: PipelineDeps,
): Promise<DeliveryResult> {
  const person = await resolve(recipient, deps)
  if (!person?.email) return { outcome: 'no_email', reason: 'the event names nobody with a known email address' }
  const email = normaliseEmail(person.email)
  if (!email) return { outcome: 'rejected', reason: 'the event carries an invalid email address' }
  const inviteData = person.name && !data?.full_name ? { full_name: person.name, ...data } : data
  return inviteOnce(email, inviteData, identity, deps)
}

export type PersonOutcome = Extract<Outcome, 'invited' | 'already_registered' | 'duplicate' | 'in_progress' | 'rejected'>

/**
 * One invite per person, whoever asks (a webhook event or POST /invites): the
 * person claim is keyed by a hash of the normalised address, taken before
 * identity is called and marked done only after identity confirmed.
 */
export async function inviteOnce(
  email: string,
  data: Record<string, unknown> | undefined,
  identity: Pick<IdentityClient, 'invite'>,
  deps: Pick<PipelineDeps, 'store' | 'hashKey' | 'now' | 'leaseMs'>,
): Promise<DeliveryResult & { outcome: PersonOutcome }> {
  const masked = maskEmail(email)
  const key = `person/${personId(email, await deps.hashKey())}`
  const person = await tryClaim(key, { store: deps.store, now: deps.now, leaseMs: deps.leaseMs })
  if (person.kind === 'done') return { outcome: 'duplicate', reason: `person already handled (${person.outcome})`, email: masked }
  if (person.kind === 'busy') {
    return { outcome: 'in_progress', reason: 'this person is being invited by another request', retryAfterSeconds: person.retryAfterSeconds, email: masked }
  }

  let invite
  try {
    invite = await identity.invite(email, data)
  } catch (error) {
    await person.claim.release().catch(() => {})
    throw error
  }
  if (invite.outcome === 'rejected') {
    // The address is unusable, not the person handled: leave the person open.
    await person.claim.release()
    return { outcome: 'rejected', reason: `identity refused the address: ${invite.reason}`, email: masked }
  }
  await person.claim.complete(invite.outcome)
  return { outcome: invite.outcome, email: masked }
}

async function resolve(recipient: Recipient | null, deps: PipelineDeps): Promise<DirectoryEntry | null> {
  if (!recipient) return null
  if (recipient.kind === 'email') return { email: recipient.email }
  return deps.lookupGitHubUser(recipient.login)
}

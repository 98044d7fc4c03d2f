import { claimWaiting, type ClaimOptions } from './claims.ts'
import type { DeliveryResult, Outcome } from '../domain/delivery.ts'
import { maskEmail, personId } from '../domain/email.ts'
import type { IdentityClient } from '../domain/identity.ts'
import type { Later } from './later.ts'

export type PersonOutcome = Extract<Outcome, 'invited' | 'already_registered' | 'duplicate' | 'in_progress' | 'rejected'>

export interface InviteOnceDeps extends ClaimOptions {
  hashKey: () => Promise<string>
  /** How long to wait for another request inviting the same person before answering in_progress (default: not at all). */
  personWaitMs?: number
  /** Where the person's "done" goes once identity confirmed, instead of being awaited here (see later.ts). */
  later?: Later
}

/**
 * One invite per person, whoever asks (a webhook event or POST /invites): the
 * person claim is keyed by a hash of the normalised address, taken before
 * identity is called and marked done only after identity confirmed.
 */
export async function inviteOnce(
  email: string,
  data: Record<string, unknown> | undefined,
  identity: Pick<IdentityClient, 'invite'>,
  deps: InviteOnceDeps,
): Promise<DeliveryResult & { outcome: PersonOutcome; userId?: string }> {
  const masked = maskEmail(email)
  const key = `person/${personId(email, await deps.hashKey())}`
  const person = await claimWaiting(key, { store: deps.store, now: deps.now, leaseMs: deps.leaseMs, waitMs: deps.personWaitMs ?? 0 })
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
  const done = () => person.claim.complete(invite.outcome)
  if (deps.later) deps.later.push(done)
  else await done()
  return { outcome: invite.outcome, email: masked, ...(invite.outcome === 'invited' && invite.userId ? { userId: invite.userId } : {}) }
}

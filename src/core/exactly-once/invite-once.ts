import { claimWaiting, type ClaimOptions } from './claims.ts'
import type { DeliveryResult, Outcome } from '../domain/delivery.ts'
import { maskEmail, personId } from '../domain/email.ts'
import { UpstreamError } from '../domain/errors.ts'
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
  identity: Pick<IdentityClient, 'invite' | 'findUserByEmail'>,
  deps: InviteOnceDeps,
): Promise<DeliveryResult & { outcome: PersonOutcome; userId?: string }> {
  const masked = maskEmail(email)
  const key = `person/${personId(email, await deps.hashKey())}`
  const person = await claimWaiting(key, { store: deps.store, now: deps.now, leaseMs: deps.leaseMs, waitMs: deps.personWaitMs ?? 0 })
  if (person.kind === 'done') return { outcome: 'duplicate', reason: `person already handled (${person.outcome})`, email: masked }
  if (person.kind === 'busy') {
    return { outcome: 'in_progress', reason: 'this person is being invited by another request', retryAfterSeconds: person.retryAfterSeconds, email: masked }
  }

  if (person.claim.unsure) {
    // An earlier attempt stopped without knowing whether identity saved the user: look before asking again. Asking
    // would be a second POST /invite (GoTrue answers it 422; Supabase Auth would mail the person again).
    let found
    try {
      found = await identity.findUserByEmail(email)
    } catch (error) {
      await person.claim.release().catch(() => {})
      throw error
    }
    if (found) {
      const done = () => person.claim.complete('already_registered')
      if (deps.later) deps.later.push(done)
      else await done()
      return { outcome: 'already_registered', reason: 'an earlier attempt reached identity after all: the account exists', email: masked }
    }
  }

  let invite
  try {
    invite = await identity.invite(email, data)
  } catch (error) {
    await person.claim.release({ unsure: mayHaveLanded(error) }).catch(() => {})
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

/**
 * Whether a failed invite may have been saved anyway: no answer in time, a
 * connection lost mid-request, or a 5xx (identity, or a proxy before it,
 * may have written the user before failing). A refusal of the credential or
 * a rate limit means identity did not act; so does the hourly cap, which
 * never sent anything.
 */
function mayHaveLanded(error: unknown): boolean {
  return error instanceof UpstreamError && (error.code === 'identity_timeout' || error.code === 'identity_unreachable' || error.code === 'identity_failed')
}

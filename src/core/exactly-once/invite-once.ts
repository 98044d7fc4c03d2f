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
  identity: Pick<IdentityClient, 'invite'>,
  deps: InviteOnceDeps,
): Promise<DeliveryResult & { outcome: PersonOutcome; userId?: string }> {
  const masked = maskEmail(email)
  const key = `person/${personId(email, await deps.hashKey())}`
  const person = await claimWaiting(key, { store: deps.store, now: deps.now, leaseMs: deps.leaseMs, waitMs: deps.personWaitMs ?? 0, lapseIsUnsure: true })
  if (person.kind === 'done') return { outcome: 'duplicate', reason: `person already handled (${person.outcome})`, email: masked }
  if (person.kind === 'busy') {
    return { outcome: 'in_progress', reason: 'this person is being invited by another request', retryAfterSeconds: person.retryAfterSeconds, email: masked }
  }

  let invite
  try {
    // An earlier holder stopped without knowing whether identity saved the user: identity looks before it is asked again
    // (a second POST /invite: GoTrue would answer it 422, and Supabase Auth would mail the person a new link).
    invite = await identity.invite(email, data, person.claim.unsure ? { lookFirst: true } : undefined)
  } catch (error) {
    await person.claim.release({ unsure: mayHaveLanded(error), inFlight: mayStillLand(error) }).catch(() => {})
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
 * connection lost mid-request, a 5xx (identity, or a proxy before it, may
 * have written the user before failing), or a 200 whose body did not make sense. A refusal of the credential or
 * a rate limit means identity did not act; so does the hourly cap, which
 * never sent anything.
 */
function mayHaveLanded(error: unknown): boolean {
  return error instanceof UpstreamError && LANDED_MAYBE.has(error.code)
}

/**
 * Whether identity may still be working on the request: we stopped waiting
 * (a timeout) or lost the connection before its answer. A 5xx or a garbled
 * 200 is an answer: whatever that request did is done, and a look-up now sees it.
 */
function mayStillLand(error: unknown): boolean {
  return error instanceof UpstreamError && IN_FLIGHT_MAYBE.has(error.code) && !neverConnected(error)
}

const IN_FLIGHT_MAYBE: ReadonlySet<string> = new Set(['identity_timeout', 'identity_unreachable'])

/** A connection refused, or a name that did not resolve: the request never left, so nothing can land. */
function neverConnected(error: unknown): boolean {
  for (let cause: unknown = error, depth = 0; cause && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    const code = (cause as { code?: unknown }).code
    if (typeof code === 'string' && CONNECT_FAILURES.has(code)) return true
  }
  return false
}

const CONNECT_FAILURES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])

// identity_bad_answer: a 200 whose body was lost or garbled may still be a saved user.
const LANDED_MAYBE: ReadonlySet<string> = new Set(['identity_timeout', 'identity_unreachable', 'identity_failed', 'identity_bad_answer'])

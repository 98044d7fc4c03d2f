import { BridgeError, type ErrorCode } from '../domain/errors.ts'
import { normaliseEmail } from '../domain/email.ts'
import type { HourlyCap } from '../exactly-once/hourly-cap.ts'
import type { IdentityClient } from '../domain/identity.ts'
import { inviteOnce, type PersonOutcome } from '../exactly-once/invite-once.ts'
import type { PipelineDeps } from './process.ts'

/** `failed`: identity could not answer for this address now; like `in_progress`, it is "not done, send it again". */
export type AddressOutcome = PersonOutcome | 'failed' | 'dry_run'

export interface AddressResult {
  /** Normalised when it is an address; otherwise exactly as sent. */
  email: string
  outcome: AddressOutcome
  reason?: string
  /**
   * Present (true) exactly when the address is not done and sending it again
   * may finish it: `failed` and `in_progress` now, `rejected` over the hourly
   * cap after `retryAfterSeconds`.
   */
  retryable?: true
  retryAfterSeconds?: number
}

export type BatchSummary = { requested: number } & Record<AddressOutcome, number>

export interface InviteBatchOptions {
  emails: string[]
  data: Record<string, unknown> | undefined
  identity: Pick<IdentityClient, 'invite'>
  deps: Pick<PipelineDeps, 'store' | 'hashKey' | 'now' | 'leaseMs'>
  cap: HourlyCap
  allowedDomains: string[] | null
  /** Invites in flight at once. */
  concurrency: number
  /** ms timestamp after which no new address is started, so the answer comes back inside the function's time limit. */
  startBy: number
  /** BRIDGE_DRY_RUN: check and report every address, claim and send nothing. */
  dryRun?: boolean
}

const OUTCOMES: AddressOutcome[] = ['invited', 'already_registered', 'duplicate', 'rejected', 'in_progress', 'failed', 'dry_run']
// Either of these fails every address alike: answer 503 for the request, as the webhooks do.
const FATAL_CODES: ReadonlySet<ErrorCode> = new Set(['identity_auth_failed', 'identity_not_configured'])

class OverCapError extends Error {
  readonly retryAfterSeconds: number
  constructor(retryAfterSeconds: number) {
    super('over the hourly cap')
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/**
 * Each address goes through inviteOnce, the same person claim as the webhooks.
 * Listed twice in one request = `duplicate` for the later entry (one result
 * per entry, in the order sent). The hourly cap is taken inside the identity
 * call, after the person claim, so only addresses really sent to identity count.
 */
export async function inviteBatch(options: InviteBatchOptions): Promise<AddressResult[]> {
  const { cap, deps, identity } = options
  const results: AddressResult[] = new Array(options.emails.length)
  const queue: Array<{ index: number; email: string }> = []
  const seen = new Set<string>()
  options.emails.forEach((raw, index) => {
    const email = normaliseEmail(raw)
    if (!email) results[index] = { email: raw, outcome: 'rejected', reason: 'not a valid email address' }
    else if (seen.has(email)) results[index] = { email, outcome: 'duplicate', reason: 'listed earlier in this request' }
    else if (!domainAllowed(email, options.allowedDomains)) {
      seen.add(email)
      results[index] = { email, outcome: 'rejected', reason: `domain not allowed: ${domainOf(email)} is not in INVITE_ALLOWED_DOMAINS` }
    } else {
      seen.add(email)
      queue.push({ index, email })
    }
  })

  const capped: Pick<IdentityClient, 'invite'> = {
    async invite(email, data, options) {
      const reservation = await cap.reserve()
      if (!reservation.granted) throw new OverCapError(reservation.retryAfterSeconds)
      return identity.invite(email, data, options)
    },
  }

  // An address's "done" is written while the worker moves on to the next address; the answer waits for every one.
  const recording: Array<{ index: number; email: string; written: Promise<void> }> = []
  const recordLater = (index: number, email: string) => ({
    push(write: () => Promise<void>) {
      const written = write()
      written.catch(() => {}) // heard of below, once every address is through
      recording.push({ index, email, written })
    },
  })

  let halt: Pick<AddressResult, 'reason' | 'retryAfterSeconds'> | undefined
  let fatal: unknown
  let next = 0
  const worker = async () => {
    while (next < queue.length && fatal === undefined) {
      const { index, email } = queue[next++]!
      if (!halt && deps.now() >= options.startBy) halt = { reason: 'not attempted: this request ran out of time; send the address again' }
      if (halt) {
        results[index] = { email, outcome: 'failed', ...halt, retryable: true }
        continue
      }
      if (options.dryRun) {
        results[index] = { email, outcome: 'dry_run', reason: 'BRIDGE_DRY_RUN is set: would be invited unless already invited' }
        continue
      }
      try {
        const result = await inviteOnce(email, options.data, capped, { ...deps, later: recordLater(index, email) })
        results[index] = {
          email,
          outcome: result.outcome,
          ...(result.reason ? { reason: result.reason } : {}),
          ...(result.outcome === 'in_progress' ? { retryable: true, retryAfterSeconds: result.retryAfterSeconds } : {}),
        }
      } catch (error) {
        if (error instanceof OverCapError) {
          // Refused for this hour, not for good: a client that keeps only the retryable addresses must keep it.
          results[index] = {
            email,
            outcome: 'rejected',
            reason: 'over the hourly cap (INVITE_HOURLY_LIMIT)',
            retryable: true,
            retryAfterSeconds: error.retryAfterSeconds,
          }
        } else if (!(error instanceof BridgeError) || FATAL_CODES.has(error.code)) {
          fatal ??= error
        } else {
          results[index] = { email, outcome: 'failed', reason: error.message, retryable: true, ...(error.retryAfter ? { retryAfterSeconds: error.retryAfter } : {}) }
          // Hammering a rate-limited identity server only lengthens the wait: leave the rest for the retry.
          if (error.code === 'identity_rate_limited') halt ??= { reason: 'not attempted: identity is rate limiting invites', retryAfterSeconds: error.retryAfter }
        }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, queue.length)) }, worker))
  for (const { index, email, written } of recording) {
    try {
      await written
    } catch (error) {
      // Invited, but not recorded as such: as when the write failed in place, the address is not done.
      if (!(error instanceof BridgeError) || FATAL_CODES.has(error.code)) fatal ??= error
      else results[index] = { email, outcome: 'failed', reason: error.message, retryable: true, ...(error.retryAfter ? { retryAfterSeconds: error.retryAfter } : {}) }
    }
  }
  if (fatal !== undefined) throw fatal
  return results
}

export function summarise(results: AddressResult[]): BatchSummary {
  const summary = { requested: results.length } as BatchSummary
  for (const outcome of OUTCOMES) summary[outcome] = 0
  for (const result of results) summary[result.outcome]++
  return summary
}

export function isDone(result: AddressResult): boolean {
  return result.retryable !== true
}

/** Rejected for now only: the hourly cap is reached, and waiting is the one thing that helps. */
export function isOverCap(result: AddressResult): boolean {
  return result.outcome === 'rejected' && result.retryable === true
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1)
}

/** Exact match only: `example.com` does not admit `mail.example.com`, which may belong to someone else. */
function domainAllowed(email: string, allowed: string[] | null): boolean {
  return allowed === null || allowed.includes(domainOf(email))
}

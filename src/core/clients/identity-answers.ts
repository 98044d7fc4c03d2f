import { normaliseEmail } from '../domain/email.ts'
import { BridgeError, UpstreamError } from '../domain/errors.ts'
import type { InviteResult } from '../domain/identity.ts'

/** Seconds to wait, from a `Retry-After` of seconds or of an HTTP date; undefined when absent or unreadable. */
export function retryAfterSeconds(response: Response): number | undefined {
  const value = response.headers.get('retry-after')
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

/**
 * "Invited" is recorded for good, so only the identity server's own answer
 * counts: the new user, with an id, at the address we asked for. A proxy's
 * 200 page (a maintenance screen, a login wall) proves nothing was saved;
 * failing makes the provider retry, and a retry after a real invite finds
 * "already registered".
 */
export function invitedUser(body: string, asked: string, server: string): InviteResult {
  let user: { id?: unknown; email?: unknown } | null = null
  try {
    const parsed: unknown = JSON.parse(body)
    if (parsed && typeof parsed === 'object') user = parsed
  } catch {
    // Not JSON: handled below as "no user".
  }
  const bad = (what: string) =>
    new UpstreamError(502, 'identity_bad_answer', `${server} answered POST /invite with 200 but ${what}; nothing was recorded, the delivery may be retried`)
  if (!user) throw bad('no JSON user')
  if (typeof user.id !== 'string' || !user.id) throw bad('a user without an id')
  if (normaliseEmail(user.email) !== (normaliseEmail(asked) ?? asked)) throw bad('a user with another address')
  return { outcome: 'invited', userId: user.id }
}

/**
 * A look-up by address that read every page it may and never came to the
 * end of the LIKE matches: the account may be on a later page, so "nobody"
 * would be a guess. An invite asks anyway (see askAnywayIfTooBroad); a role change fails, and waiting will not
 * change the answer, so it is no upstream trouble to retry but an event kept
 * as dead, saying why.
 */
export function lookUpTooBroad(server: string, pages: number, perPage: number): BridgeError {
  return new BridgeError(
    502,
    'identity_lookup_too_broad',
    `${server} matched more than ${pages * perPage} accounts to the look-up of this address (its filter matches any address or name containing it); it stopped there rather than guess that nobody has this address`,
  )
}

/**
 * For the look-up before an invite: too broad to say "nobody" is taken as
 * nobody, and the invite asks. GoTrue refuses any registered address (422);
 * Auth refuses a confirmed one (422 email_exists), and would mail an invited
 * one that never accepted again, which only the look-up could have spared.
 */
export function askAnywayIfTooBroad(error: unknown): null {
  if (error instanceof BridgeError && error.code === 'identity_lookup_too_broad') return null
  throw error
}

import { maskEmail, normaliseEmail, personId } from '../domain/email.ts'
import { BadRequestError } from '../domain/errors.ts'
import type { IdentityUser } from '../domain/identity.ts'
import type { ClaimRecord } from '../exactly-once/claims.ts'
import { readValue, type KeyValueStore } from '../exactly-once/store.ts'
import { keys, type PersonEntry } from './records.ts'

export interface PersonAnswer {
  /** Masked: the caller typed the address, the answer never repeats it. */
  email: string
  invited: boolean
  /** ms */
  at: number | null
  /** The outcome of the person's claim (`invited`, `already_registered`). */
  outcome: string | null
  source: string | null
  eventId: string | null
  id: string | null
  /** The account's roles as identity has them now; null when there is no account, or identity could not be asked. */
  roles: string[] | null
}

/**
 * Was this address invited, when, by which event, and with which roles now:
 * found by the keyed hash of the address, as the person's claim is. The
 * address itself is never stored, and never answered unmasked.
 */
export async function lookUpPerson(
  store: KeyValueStore,
  email: string,
  deps: { hashKey: () => Promise<string>; findUser?: (email: string) => Promise<IdentityUser | null> },
): Promise<PersonAnswer> {
  const address = normaliseEmail(email)
  if (!address) throw new BadRequestError('email must be an email address, e.g. ?email=ann@example.com')
  const id = personId(address, await deps.hashKey())
  const [claim, entry] = await Promise.all([readValue<ClaimRecord>(store, `person/${id}`), readValue<PersonEntry>(store, keys.person(id))])
  const done = claim?.state === 'done' ? claim : null
  let roles: string[] | null = null
  try {
    const user = await deps.findUser?.(address)
    if (user) roles = rolesOf(user)
  } catch {
    roles = null // identity down: the rest of the answer still stands
  }
  return {
    email: maskEmail(address),
    invited: done !== null && (done.outcome === 'invited' || done.outcome === 'already_registered'),
    at: entry?.at ?? done?.at ?? null,
    outcome: done?.outcome ?? null,
    source: entry?.source ?? null,
    eventId: entry?.eventId ?? null,
    id: entry?.id ?? null,
    roles,
  }
}

function rolesOf(user: IdentityUser): string[] {
  const roles = user.app_metadata?.roles
  return Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string') : []
}

import { personId } from '../domain/email.ts'
import { readValue, type KeyValueStore } from './store.ts'

/** The identity account a sender's subject was granted or invited to. */
export interface LedgerLink {
  /** GoTrue user id. */
  userId: string
  /** Keyed hash of the address the account was found or invited at: the key of the person's role lock and history. */
  personId: string
  /** When the link was written (ms). */
  at: number
}

// A link is rewritten only when its account is gone; a few turns cover two grants racing.
const MAX_TURNS = 5

/**
 * The ledger: which account a sender's lasting id for a person (a Stripe
 * customer, a GitHub user) was given to. A revoke follows it to the account
 * whatever the subject's email is today. Subjects are not addresses, but the
 * key hashes them with the person hash key anyway, so a key listing reveals
 * nothing about anyone.
 */
export function ledgerKey(source: string, subject: string, hashKey: string): string {
  return `ledger/${source}/${personId(`${source}:${subject}`, hashKey)}`
}

export async function readLink(store: KeyValueStore, key: string): Promise<LedgerLink | null> {
  return readValue<LedgerLink>(store, key)
}

/**
 * Records the link. The first account a subject was given keeps it: another
 * event racing this one with another address does not take it over. Only a
 * link to the account the caller found deleted (`gone`) is replaced.
 */
export async function writeLink(store: KeyValueStore, key: string, link: LedgerLink, gone?: string): Promise<void> {
  // Without a link to replace the caller saw none, so there is most likely none still: create before reading.
  if (gone === undefined && (await store.create(key, link)).created) return
  for (let turn = 0; turn < MAX_TURNS; turn++) {
    const current = await store.get<LedgerLink>(key)
    if (!current) {
      if ((await store.create(key, link)).created) return
      continue
    }
    if (current.value.userId !== gone) return
    if ((await store.replace(key, link, current.etag)).replaced) return
  }
  throw new Error(`ledger record ${key} kept changing while it was written`)
}

/** What a purchased item is, in whichever shape the sender's API gave it. */
export interface PurchasedItem {
  price?: string
  product?: string
}

/**
 * Everything rules may match on, taken from one verified event. `source` and
 * `event` pick the candidate rules; the rest belongs to the sender that made
 * the facts (`facts.stripe`, `facts.github`, …) and only that sender's
 * catalogue reads it.
 */
export interface MatchFacts {
  source: string
  /** `checkout.session.completed`, `organization.member_added`, … */
  event: string
  [sender: string]: unknown
}

/** A person found behind an account a sender names (a login, a customer id); email null when it is not known. */
export interface DirectoryEntry {
  email: string | null
  name?: string | null
}

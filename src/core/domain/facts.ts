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

/**
 * Do the purchased items hold one of these prices and one of these products
 * (each list only when given)? Items still unknown (null) must be read first.
 */
export function itemsMatch(items: readonly PurchasedItem[] | null, wanted: { prices?: readonly string[]; products?: readonly string[] }): boolean {
  if (!wanted.prices && !wanted.products) return true
  if (items === null) throw new Error('line items must be read before matching on prices or products')
  const has = (ids: readonly string[] | undefined, pick: (item: PurchasedItem) => string | undefined) =>
    !ids || items.some((item) => {
      const id = pick(item)
      return id !== undefined && ids.includes(id)
    })
  return has(wanted.prices, (item) => item.price) && has(wanted.products, (item) => item.product)
}

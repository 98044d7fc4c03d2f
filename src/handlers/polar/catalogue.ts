import * as v from 'valibot'
import type { SenderCatalogue } from '../../core/domain/catalogue.ts'
import type { MatchFacts } from '../../core/domain/facts.ts'

/** The facts a Polar event gives rules, under `facts.polar`. */
export interface PolarFacts {
  /** The product bought or subscribed to (Polar orders and subscriptions name one). */
  products: string[]
  /** The product prices: an order's line items' `product_price_id`, a subscription's `prices[].id`. */
  prices: string[]
}

const Ids = v.pipe(v.array(v.pipe(v.string(), v.trim(), v.nonEmpty())), v.minLength(1, 'list at least one id'))

const matchEntries = {
  products: v.optional(Ids),
  prices: v.optional(Ids),
}

type PolarMatch = v.InferOutput<v.ObjectSchema<typeof matchEntries, undefined>>

function matches(match: PolarMatch, polar: PolarFacts | undefined): boolean {
  if (match.products && !polar?.products.some((id) => match.products!.includes(id))) return false
  if (match.prices && !polar?.prices.some((id) => match.prices!.includes(id))) return false
  return true
}

/** Polar's events, as the bridge reads them. Polar's sandbox is a separate environment with its own secrets: no test flag to match. */
export const polarCatalogue: SenderCatalogue = {
  source: 'polar',
  events: [
    {
      type: 'order.paid',
      meaning: 'an order (a purchase, or a subscription period) was paid',
      about: 'the customer',
      effect: 'grant',
      invitesByDefault: true,
    },
    {
      type: 'order.refunded',
      meaning: 'an order was refunded in full (partial refunds are skipped)',
      about: 'the customer',
      effect: 'revoke',
    },
    {
      type: 'subscription.revoked',
      meaning: 'a subscription ended and its benefits were revoked',
      about: 'the subscriber',
      effect: 'revoke',
    },
  ],
  matchEntries,
  matches: (match, facts: MatchFacts) => matches(match as PolarMatch, facts.polar as PolarFacts | undefined),
}

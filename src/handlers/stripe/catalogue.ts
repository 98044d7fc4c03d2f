import * as v from 'valibot'
import type { SenderCatalogue } from '../../core/domain/catalogue.ts'
import { itemsMatch, type MatchFacts, type PurchasedItem } from '../../core/domain/facts.ts'

/** The facts a Stripe event gives rules, under `facts.stripe`. */
export interface StripeFacts {
  /** null while unknown: checkout events carry no line items, they must be read from the API. */
  items: PurchasedItem[] | null
  mode?: string
  livemode?: boolean
  metadata: Record<string, unknown>
}

const Ids = (prefix: string) =>
  v.pipe(v.array(v.pipe(v.string(), v.startsWith(prefix, `Stripe ids here start with ${prefix}`))), v.minLength(1, 'list at least one id'))

const matchEntries = {
  prices: v.optional(Ids('price_')),
  products: v.optional(Ids('prod_')),
  mode: v.optional(v.picklist(['payment', 'subscription', 'setup'])),
  livemode: v.optional(v.boolean()),
  metadata: v.optional(v.record(v.string(), v.string())),
}

type StripeMatch = v.InferOutput<v.ObjectSchema<typeof matchEntries, undefined>>

function stripeFacts(facts: MatchFacts): StripeFacts | undefined {
  return facts.stripe as StripeFacts | undefined
}

function matches(match: StripeMatch, stripe: StripeFacts | undefined): boolean {
  if (!stripe) return !Object.keys(match).length
  if (match.mode !== undefined && stripe.mode !== match.mode) return false
  if (match.livemode !== undefined && stripe.livemode !== match.livemode) return false
  if (match.metadata && !Object.entries(match.metadata).every(([key, value]) => stripe.metadata[key] === value)) return false
  return itemsMatch(stripe.items, match)
}

/** Stripe's events, as the bridge reads them. */
export const stripeCatalogue: SenderCatalogue = {
  source: 'stripe',
  events: [
    {
      type: 'checkout.session.completed',
      meaning: 'a Checkout Session finished; counts once it is paid',
      about: 'the buyer (the address typed at checkout)',
      effect: 'grant',
      needs: ['items'],
      invitesByDefault: true,
    },
    {
      type: 'checkout.session.async_payment_succeeded',
      meaning: 'a delayed payment (bank debit) of a Checkout Session succeeded',
      about: 'the buyer',
      effect: 'grant',
      needs: ['items'],
      invitesByDefault: true,
    },
    { type: 'invoice.paid', meaning: 'an invoice (a subscription period, or a one-off) was paid', about: 'the customer billed', effect: 'grant', invitesByDefault: true },
    { type: 'customer.subscription.created', meaning: 'a subscription started; counts when it starts active or trialing (an incomplete one waits for its first payment: rule on invoice.paid)', about: 'the subscribing customer', effect: 'grant', needs: ['person'] },
    { type: 'customer.subscription.deleted', meaning: 'a subscription ended', about: 'the customer whose subscription ended', effect: 'revoke', needs: ['person'] },
    {
      type: 'charge.refunded',
      meaning: 'a charge was refunded; counts once it is refunded in full',
      about: 'the payer (billing or receipt address, else the customer)',
      effect: 'revoke',
    },
    {
      type: 'charge.dispute.created',
      meaning: 'a payment was disputed (a chargeback): the money is held back',
      about: 'the payer of the disputed charge, read from the API',
      effect: 'revoke',
      needs: ['person'],
    },
  ],
  matchEntries,
  matches: (match, facts) => matches(match as StripeMatch, stripeFacts(facts)),
  itemKeys: ['prices', 'products'],
  itemsMissing: (facts) => stripeFacts(facts)?.items === null,
  withItems: (facts, items) => ({ ...facts, stripe: { ...stripeFacts(facts)!, items } }),
  api: {
    keyVariable: 'STRIPE_SECRET_KEY',
    needsMessage:
      "need the Stripe API (checkout line items, a subscription's customer email, or a disputed charge's payer): " +
      'set STRIPE_SECRET_KEY to a restricted key with read access to Checkout Sessions, Customers and Charges',
  },
}

import * as v from 'valibot'
import type { SenderCatalogue } from '../../core/domain/catalogue.ts'
import type { MatchFacts } from '../../core/domain/facts.ts'

/** One line of an order or a refund, ids as the shop names them (strings of digits). */
export interface ShopifyItem {
  product?: string
  variant?: string
}

/** The facts a Shopify order or refund gives rules, under `facts.shopify`. */
export interface ShopifyFacts {
  items: ShopifyItem[]
  /** Shopify's `test` flag: an order placed through a test gateway (a refund: one of its transactions). */
  test?: boolean
}

const Ids = (what: string) =>
  v.pipe(
    v.array(v.pipe(v.string(), v.regex(/^\d{1,20}$/, `Shopify ${what} ids are numbers written as strings, like "632910392"`))),
    v.minLength(1, 'list at least one id'),
  )

const matchEntries = {
  products: v.optional(Ids('product')),
  variants: v.optional(Ids('variant')),
  test: v.optional(v.boolean()),
}

type ShopifyMatch = v.InferOutput<v.ObjectSchema<typeof matchEntries, undefined>>

function matches(match: ShopifyMatch, shopify: ShopifyFacts | undefined): boolean {
  if (!shopify) return !Object.keys(match).length
  if (match.test !== undefined && (shopify.test ?? false) !== match.test) return false
  if (match.products && !shopify.items.some((item) => item.product !== undefined && match.products!.includes(item.product))) return false
  if (match.variants && !shopify.items.some((item) => item.variant !== undefined && match.variants!.includes(item.variant))) return false
  return true
}

/** Shopify's order topics, as the bridge reads them. */
export const shopifyCatalogue: SenderCatalogue = {
  source: 'shopify',
  events: [
    {
      type: 'orders/paid',
      meaning: "an order's payment was captured in full",
      about: 'the buyer (the order email, else the contact email, else the customer email)',
      effect: 'grant',
      invitesByDefault: true,
    },
    {
      type: 'refunds/create',
      meaning: 'a refund was made on an order; counts when it returns purchased items (not shipping or an amount alone)',
      about: "the order's buyer (a refund names only its order: the bridge reads the order from the Admin API)",
      effect: 'revoke',
      needs: ['person'],
    },
  ],
  matchEntries,
  matches: (match, facts: MatchFacts) => matches(match as ShopifyMatch, facts.shopify as ShopifyFacts | undefined),
  api: {
    keyVariable: 'SHOPIFY_ADMIN_TOKEN',
    needsMessage:
      'need the Shopify Admin API (a refund names only its order): set SHOPIFY_ADMIN_TOKEN to an Admin API access token ' +
      'with read_orders, and SHOPIFY_SHOP to the store (acme.myshopify.com)',
  },
}

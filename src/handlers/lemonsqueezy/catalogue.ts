import * as v from 'valibot'
import type { SenderCatalogue } from '../../core/domain/catalogue.ts'
import type { MatchFacts } from '../../core/domain/facts.ts'

/** The facts a Lemon Squeezy event gives rules, under `facts.lemonsqueezy`. Ids as strings: the API sends numbers. */
export interface LemonSqueezyFacts {
  products: string[]
  variants: string[]
  /** `meta.test_mode`: the event happened in the store's test mode. */
  testMode?: boolean
}

// Lemon Squeezy's ids are numbers; a rules file may write them either way.
const Ids = v.pipe(
  v.array(v.union([v.pipe(v.number(), v.integer(), v.minValue(1)), v.pipe(v.string(), v.regex(/^\d+$/, 'Lemon Squeezy ids are numbers'))])),
  v.minLength(1, 'list at least one id'),
)

const matchEntries = {
  products: v.optional(Ids),
  variants: v.optional(Ids),
  test_mode: v.optional(v.boolean()),
}

type LemonSqueezyMatch = v.InferOutput<v.ObjectSchema<typeof matchEntries, undefined>>

function anyOf(wanted: (string | number)[] | undefined, have: string[] | undefined): boolean {
  return !wanted || wanted.some((id) => have?.includes(String(id)))
}

function matches(match: LemonSqueezyMatch, facts: LemonSqueezyFacts | undefined): boolean {
  if (match.test_mode !== undefined && facts?.testMode !== match.test_mode) return false
  return anyOf(match.products, facts?.products) && anyOf(match.variants, facts?.variants)
}

/** Lemon Squeezy's events, as the bridge reads them. */
export const lemonSqueezyCatalogue: SenderCatalogue = {
  source: 'lemonsqueezy',
  events: [
    {
      type: 'order_created',
      meaning: 'an order was placed; counts once it is paid (a subscription starts with one too)',
      about: 'the buyer',
      effect: 'grant',
      invitesByDefault: true,
    },
    { type: 'order_refunded', meaning: 'an order was refunded in full (partial refunds are skipped)', about: 'the buyer', effect: 'revoke' },
    { type: 'subscription_expired', meaning: 'a subscription ended for good', about: 'the subscriber', effect: 'revoke' },
  ],
  matchEntries,
  matches: (match, facts: MatchFacts) => matches(match as LemonSqueezyMatch, facts.lemonsqueezy as LemonSqueezyFacts | undefined),
}

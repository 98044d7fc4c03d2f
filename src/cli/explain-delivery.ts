import type { SourceName } from '../core/config/config.ts'
import type { Delivery, Recipient } from '../core/domain/delivery.ts'
import { planDelivery } from '../core/pipeline/plan.ts'
import type { StripeApi } from '../handlers/stripe/api.ts'
import { candidateRules, ruleMatches, ruleNeedsItems, type MatchFacts, type Plan, type PurchasedItem } from '../rules/match.ts'
import type { Rule } from '../rules/schema.ts'

/** What the bridge would do with one delivery, and why: `explain`'s answer, also its --json output. */
export interface Explanation {
  source: SourceName
  event: string
  eventId: string
  recipient: Recipient | null
  /** What the rules were matched against; a checkout's items are null unless they were read. */
  facts: MatchFacts
  /**
   * skipped: the event cannot count whatever the rules say (an unpaid session);
   * ignored: no rule names it, or none matched; planned: see `plan`;
   * incomplete: some rule could not be evaluated (see `rules[].reason`).
   */
  outcome: 'skipped' | 'ignored' | 'planned' | 'incomplete'
  reason?: string
  /** The rules that name this event; matched is null when the rule could not be evaluated. */
  rules: Array<{ index: number; matched: boolean | null; reason?: string }>
  plan?: Plan
  /** True when the checkout's line items were read from the Stripe API (a rule naming the event matches on them). */
  itemsRead?: boolean
}

/**
 * planDelivery, with the reasons kept. Writes nothing: the only call out is the
 * read of a checkout's line items, and only when a rule naming the event needs them.
 */
export async function explainDelivery(delivery: Delivery, rules: readonly Rule[], stripeApi: StripeApi | null): Promise<Explanation> {
  const base = { source: delivery.source, event: delivery.eventType, eventId: delivery.eventId, recipient: delivery.recipient, facts: delivery.facts }
  if (delivery.skip) return { ...base, outcome: 'skipped', reason: delivery.skip, rules: [] }
  const candidates = candidateRules(rules, delivery.facts)

  const needItems = delivery.facts.stripe?.items === null ? candidates.filter((index) => ruleNeedsItems(rules[index]!)) : []
  if (needItems.length && (!stripeApi || !delivery.itemsFrom)) {
    const why = stripeApi
      ? 'it matches on prices or products, and the event names no checkout session to read the line items of'
      : 'it matches on prices or products, which a checkout event does not carry: set STRIPE_SECRET_KEY (a restricted read-only key) so the line items can be read'
    return {
      ...base,
      outcome: 'incomplete',
      reason: `${needItems.map((index) => `rules[${index}]`).join(', ')} could not be evaluated: ${why}`,
      rules: candidates.map((index) =>
        needItems.includes(index) ? { index, matched: null, reason: why } : { index, matched: ruleMatches(rules[index]!, delivery.facts) },
      ),
    }
  }

  let lineItems: PurchasedItem[] | undefined
  const reads: StripeApi | null = stripeApi && {
    checkoutLineItems: async (sessionId) => (lineItems = await stripeApi.checkoutLineItems(sessionId)),
    customer: (customerId) => stripeApi.customer(customerId),
  }
  const planned = await planDelivery(delivery, rules, reads)
  const matched = 'plan' in planned ? planned.plan.matched : []
  return {
    ...base,
    ...('plan' in planned ? { outcome: 'planned' as const, plan: planned.plan } : { outcome: 'ignored' as const, reason: planned.ignored }),
    rules: candidates.map((index) => ({ index, matched: matched.includes(index) })),
    ...(lineItems && delivery.facts.stripe ? { facts: { ...delivery.facts, stripe: { ...delivery.facts.stripe, items: lineItems } }, itemsRead: true } : {}),
  }
}

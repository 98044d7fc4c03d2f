import { candidateRules, planFor, ruleNeedsItems, type Plan } from '../../rules/match.ts'
import type { Rule } from '../../rules/schema.ts'
import type { Delivery } from '../domain/delivery.ts'
import { NotConfiguredError } from '../domain/errors.ts'
import type { StripeApi } from '../../handlers/stripe/api.ts'

export type PlanResult = { plan: Plan } | { ignored: string }

/**
 * Which rules apply to a delivery and what they ask for. Reads the Stripe API
 * only when a rule that could apply matches on items the event does not carry
 * (checkout line items); writes nothing, so `explain` and dry runs share it.
 */
export async function planDelivery(delivery: Delivery, rules: readonly Rule[], stripeApi: StripeApi | null): Promise<PlanResult> {
  if (delivery.skip) return { ignored: delivery.skip }
  const candidates = candidateRules(rules, delivery.facts)
  if (!candidates.length) return { ignored: `no rule handles ${delivery.eventType}` }

  let facts = delivery.facts
  if (facts.stripe && facts.stripe.items === null && candidates.some((index) => ruleNeedsItems(rules[index]!))) {
    if (!delivery.itemsFrom) return { ignored: 'the checkout session has no id, so its line items cannot be read' }
    if (!stripeApi) {
      throw new NotConfiguredError('stripe_api_not_configured', 'Rules match on prices or products: set STRIPE_SECRET_KEY (a restricted read-only key) so line items can be read')
    }
    facts = { ...facts, stripe: { ...facts.stripe, items: await stripeApi.checkoutLineItems(delivery.itemsFrom.sessionId) } }
  }
  const plan = planFor(rules, facts, delivery.data)
  if (!plan) return { ignored: `no rule matched this ${delivery.eventType} (rules ${candidates.join(', ')} name the event, but their match did not hold)` }
  return { plan }
}

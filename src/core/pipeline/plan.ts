import { candidateRules, catalogueOf, planFor, ruleNeedsItems, type Catalogues, type Plan } from '../../rules/match.ts'
import type { Rule } from '../../rules/schema.ts'
import type { SenderReads } from '../domain/catalogue.ts'
import type { Delivery } from '../domain/delivery.ts'
import { NotConfiguredError } from '../domain/errors.ts'
import type { MatchFacts } from '../domain/facts.ts'

export type PlanResult = { plan: Plan } | { ignored: string }

export interface PlanDeps {
  rules: readonly Rule[]
  catalogues: Catalogues
  /** The reads a sender's API offers; null when it offers none (no key). */
  reads: (source: string) => SenderReads | null
}

/** Candidate rules that match on purchased items the delivery does not carry yet (a checkout's line items). */
export function rulesWaitingForItems(delivery: Delivery, candidates: number[], deps: Pick<PlanDeps, 'rules' | 'catalogues'>): number[] {
  const catalogue = catalogueOf(deps.catalogues, delivery.source)
  if (!catalogue?.itemsMissing?.(delivery.facts)) return []
  return candidates.filter((index) => ruleNeedsItems(deps.rules[index]!, deps.catalogues))
}

/**
 * Which rules apply to a delivery and what they ask for. Reads the sender's
 * API only when a rule that could apply matches on items the event does not
 * carry; writes nothing, so `explain` and dry runs share it.
 */
export async function planDelivery(delivery: Delivery, deps: PlanDeps): Promise<PlanResult> {
  if (delivery.skip) return { ignored: delivery.skip }
  const candidates = candidateRules(deps.rules, delivery.facts)
  if (!candidates.length) return { ignored: `no rule handles ${delivery.eventType}` }

  let facts: MatchFacts = delivery.facts
  if (rulesWaitingForItems(delivery, candidates, deps).length) {
    if (!delivery.itemsFrom) return { ignored: 'the event names no purchase to read the items of' }
    const readItems = deps.reads(delivery.source)?.items
    const catalogue = catalogueOf(deps.catalogues, delivery.source)!
    if (!readItems) {
      throw new NotConfiguredError('api_not_configured', `Rules match on purchased items: set ${catalogue.api?.keyVariable ?? 'the API key'} (a restricted read-only key) so they can be read`)
    }
    facts = catalogue.withItems!(facts, await readItems(delivery.itemsFrom))
  }
  const plan = planFor(deps.rules, facts, deps.catalogues, delivery.data)
  if (!plan) return { ignored: `no rule matched this ${delivery.eventType} (rules ${candidates.join(', ')} name the event, but their match did not hold)` }
  return { plan }
}

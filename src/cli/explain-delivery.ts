import type { SenderReads } from '../core/domain/catalogue.ts'
import type { Delivery, Recipient } from '../core/domain/delivery.ts'
import type { MatchFacts, PurchasedItem } from '../core/domain/facts.ts'
import { planDelivery, rulesWaitingForItems, type PlanDeps } from '../core/pipeline/plan.ts'
import { candidateRules, ruleMatches, type Plan } from '../rules/match.ts'

/** What the bridge would do with one delivery, and why: `explain`'s answer, also its --json output. */
export interface Explanation {
  source: string
  event: string
  eventId: string
  recipient: Recipient | null
  /** What the rules were matched against; items the event does not carry are null unless they were read. */
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
  /** True when the purchased items were read from the sender's API (a rule naming the event matches on them). */
  itemsRead?: boolean
}

/**
 * planDelivery, with the reasons kept. Writes nothing: the only call out is the
 * read of a purchase's items, and only when a rule naming the event needs them.
 */
export async function explainDelivery(delivery: Delivery, deps: PlanDeps & { unreadable: (hasApi: boolean) => string }): Promise<Explanation> {
  const base = { source: delivery.source, event: delivery.eventType, eventId: delivery.eventId, recipient: delivery.recipient, facts: delivery.facts }
  if (delivery.skip) return { ...base, outcome: 'skipped', reason: delivery.skip, rules: [] }
  const candidates = candidateRules(deps.rules, delivery.facts)

  const readItems = deps.reads(delivery.source)?.items
  const needItems = rulesWaitingForItems(delivery, candidates, deps)
  if (needItems.length && (!readItems || !delivery.itemsFrom)) {
    const why = deps.unreadable(Boolean(readItems))
    return {
      ...base,
      outcome: 'incomplete',
      reason: `${needItems.map((index) => `rules[${index}]`).join(', ')} could not be evaluated: ${why}`,
      rules: candidates.map((index) =>
        needItems.includes(index) ? { index, matched: null, reason: why } : { index, matched: ruleMatches(deps.rules[index]!, delivery.facts, deps.catalogues) },
      ),
    }
  }

  let itemsRead: PurchasedItem[] | undefined
  const reads = (source: string): SenderReads | null => {
    const own = deps.reads(source)
    return own && { ...own, ...(own.items ? { items: async (ref: string) => (itemsRead = await own.items!(ref)) } : {}) }
  }
  const planned = await planDelivery(delivery, { ...deps, reads })
  const matched = 'plan' in planned ? planned.plan.matched : []
  const catalogue = deps.catalogues.find((candidate) => candidate.source === delivery.source)
  return {
    ...base,
    ...('plan' in planned ? { outcome: 'planned' as const, plan: planned.plan } : { outcome: 'ignored' as const, reason: planned.ignored }),
    rules: candidates.map((index) => ({ index, matched: matched.includes(index) })),
    ...(itemsRead && catalogue?.withItems ? { facts: catalogue.withItems(delivery.facts, itemsRead), itemsRead: true } : {}),
  }
}

import type { SenderCatalogue } from '../core/domain/catalogue.ts'
import type { MatchFacts } from '../core/domain/facts.ts'
import type { Rule } from './schema.ts'

/** The senders' catalogues that rules are read and matched with. */
export type Catalogues = readonly SenderCatalogue[]

export function catalogueOf(catalogues: Catalogues, source: string): SenderCatalogue | undefined {
  return catalogues.find((catalogue) => catalogue.source === source)
}

/** What the matching rules say to do for one event. */
export interface Plan {
  invite: boolean
  grant: string[]
  revoke: string[]
  data: Record<string, unknown>
  /** Indexes of the rules that matched, for logs and `explain`. */
  matched: number[]
}

/** Rules whose source and event fit, before `match` is looked at. */
export function candidateRules(rules: readonly Rule[], facts: Pick<MatchFacts, 'source' | 'event'>): number[] {
  return rules.flatMap((rule, index) => (rule.source === facts.source && rule.events.includes(facts.event) ? [index] : []))
}

/** Does the rule match on purchased items (which some events make the bridge read first)? */
export function ruleNeedsItems(rule: Rule, catalogues: Catalogues): boolean {
  const keys = catalogueOf(catalogues, rule.source)?.itemKeys ?? []
  return keys.some((key) => rule.match?.[key] !== undefined)
}

/** Does one rule's `match` hold? Every key is optional; all given keys must hold. */
export function ruleMatches(rule: Rule, facts: MatchFacts, catalogues: Catalogues): boolean {
  if (rule.source !== facts.source || !rule.events.includes(facts.event)) return false
  const catalogue = catalogueOf(catalogues, rule.source)
  if (!catalogue) return false
  return catalogue.matches(rule.match ?? {}, facts)
}

/**
 * Every matching rule applies. Grants are unioned, revokes too; a role both
 * granted and revoked by one event stays granted (a purchase that also ends
 * an old plan must not lose the new plan's role). Null when nothing matched.
 */
export function planFor(rules: readonly Rule[], facts: MatchFacts, catalogues: Catalogues, derivedData: Record<string, unknown> = {}): Plan | null {
  const matched = candidateRules(rules, facts).filter((index) => ruleMatches(rules[index]!, facts, catalogues))
  if (!matched.length) return null
  const grant = new Set<string>()
  const revoke = new Set<string>()
  let invite = false
  let data: Record<string, unknown> = { ...derivedData }
  for (const index of matched) {
    const rule = rules[index]!
    if (rule.revoke) {
      for (const role of rule.revoke) revoke.add(role)
      continue
    }
    if (rule.invite !== false) invite = true
    for (const role of rule.roles ?? []) grant.add(role)
    data = { ...data, ...rule.data }
  }
  return { invite, grant: [...grant], revoke: [...revoke].filter((role) => !grant.has(role)), data, matched }
}

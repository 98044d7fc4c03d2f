import type { SourceName } from '../core/config/config.ts'
import type { Rule, StripeRule } from './schema.ts'

/** What a purchased item is, in whichever API version shaped the event. */
export interface PurchasedItem {
  price?: string
  product?: string
}

/** Everything rules may match on, taken from one verified event. */
export interface MatchFacts {
  source: SourceName
  /** `checkout.session.completed`, `organization.member_added`, … */
  event: string
  stripe?: {
    /** null while unknown: checkout events carry no line items, they must be read from the API. */
    items: PurchasedItem[] | null
    mode?: string
    livemode?: boolean
    metadata: Record<string, unknown>
  }
  github?: { org: string | null }
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
  return rules.flatMap((rule, index) =>
    rule.source === facts.source && (rule.events as readonly string[]).includes(facts.event) ? [index] : [],
  )
}

export function ruleNeedsItems(rule: Rule): boolean {
  return rule.source === 'stripe' && Boolean(rule.match?.prices || rule.match?.products)
}

/** Does one rule's `match` hold? Every key is optional; all given keys must hold. */
export function ruleMatches(rule: Rule, facts: MatchFacts): boolean {
  if (rule.source !== facts.source || !(rule.events as readonly string[]).includes(facts.event)) return false
  if (rule.source === 'github') {
    const orgs = rule.match?.orgs
    if (!orgs) return true
    const org = facts.github?.org?.toLowerCase()
    return org !== undefined && orgs.some((candidate) => candidate.toLowerCase() === org)
  }
  return stripeMatches(rule, facts.stripe)
}

function stripeMatches(rule: StripeRule, stripe: MatchFacts['stripe']): boolean {
  const match = rule.match
  if (!match) return true
  if (!stripe) return false
  if (match.mode !== undefined && stripe.mode !== match.mode) return false
  if (match.livemode !== undefined && stripe.livemode !== match.livemode) return false
  if (match.metadata && !Object.entries(match.metadata).every(([key, value]) => stripe.metadata[key] === value)) return false
  if (match.prices || match.products) {
    if (stripe.items === null) throw new Error('line items must be read before matching on prices or products')
    const items = stripe.items
    if (match.prices && !items.some((item) => item.price !== undefined && match.prices!.includes(item.price))) return false
    if (match.products && !items.some((item) => item.product !== undefined && match.products!.includes(item.product))) return false
  }
  return true
}

/**
 * Every matching rule applies. Grants are unioned, revokes too; a role both
 * granted and revoked by one event stays granted (a purchase that also ends
 * an old plan must not lose the new plan's role). Null when nothing matched.
 */
export function planFor(rules: readonly Rule[], facts: MatchFacts, derivedData: Record<string, unknown> = {}): Plan | null {
  const matched = candidateRules(rules, facts).filter((index) => ruleMatches(rules[index]!, facts))
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

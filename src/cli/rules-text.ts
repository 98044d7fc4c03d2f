import type { Env } from '../core/config/env.ts'
import type { Catalogues } from '../rules/match.ts'
import { loadSendersFromFile } from '../handlers/senders.ts'
import type { Rule } from '../rules/schema.ts'

/**
 * The rules and senders (built-in, and those the file defines) the commands
 * work with: `--config` wins over INVITE_BRIDGE_CONFIG; path null = built-in defaults.
 */
export function readRules(configFlag: string | undefined, env: Env) {
  return loadSendersFromFile(configFlag === undefined ? env : { ...env, INVITE_BRIDGE_CONFIG: configFlag })
}

export const DEFAULTS_NOTE =
  'no rules file (set INVITE_BRIDGE_CONFIG, pass --config, or create invite-bridge.config.json): ' +
  'the built-in defaults apply, invite paying buyers and new org members, no roles'

/** `prices: price_a, price_b; mode: payment`, or `(none: every such event)`. */
export function describeMatch(rule: Rule): string {
  const entries = Object.entries(rule.match ?? {}).map(([key, value]) => {
    if (Array.isArray(value)) return `${key}: ${value.join(', ')}`
    if (value !== null && typeof value === 'object') {
      return `${key}: ${Object.entries(value).map(([name, wanted]) => `${name}=${String(wanted)}`).join(', ')}`
    }
    return `${key}: ${String(value)}`
  })
  return entries.length ? entries.join('; ') : '(none: every such event)'
}

/** What a rule does when it matches, in words. */
export function describeEffect(rule: Rule): string {
  if (rule.revoke) return `revokes roles ${rule.revoke.join(', ')} (never invites)`
  const parts = [rule.invite === false ? 'does not invite (people who already have an account only)' : 'invites']
  if (rule.roles) parts.push(`grants roles ${rule.roles.join(', ')}`)
  if (rule.data) parts.push(`sets data ${JSON.stringify(rule.data)}`)
  return parts.join(', ')
}

/** One block per rule, indexed as error messages and logs name them (`rules[0]`). */
export function describeRule(rule: Rule, index: number): string[] {
  return [
    `rules[${index}]  ${rule.source}`,
    `  events: ${rule.events.join(', ')}`,
    `  match:  ${describeMatch(rule)}`,
    `  does:   ${describeEffect(rule)}`,
  ]
}

/**
 * Valid but probably not meant: a rule that invites on an event that ends a
 * membership or a subscription (for a sender the file defines: an event
 * another rule revokes on).
 */
export function ruleWarnings(rules: readonly Rule[], catalogues: Catalogues): string[] {
  const endsSomething = (source: string, event: string) =>
    catalogues.some((catalogue) => catalogue.source === source && catalogue.events.some((spec) => spec.type === event && spec.effect === 'revoke'))
  return rules.flatMap((rule, index) => {
    if (rule.revoke || rule.invite === false) return []
    const ending = (rule.events as readonly string[]).filter((event) => endsSomething(rule.source, event))
    return ending.length
      ? [`rules[${index}] invites on ${ending.join(', ')}: did you mean "revoke", or "invite": false to only change roles?`]
      : []
  })
}

import * as v from 'valibot'
import { BridgeError } from '../core/domain/errors.ts'
import { ruleNeedsItems } from './match.ts'
import { RulesFileSchema, type Rule, type RulesFile, type RulesFileInput } from './schema.ts'

export class RulesError extends BridgeError {
  override readonly name = 'RulesError'
  constructor(message: string) {
    super(500, 'invalid_rules', message)
  }
}

/** Typed sugar for an `invite-bridge.config.ts`; the JSON file needs none of it. */
export function defineConfig(config: RulesFileInput): RulesFileInput {
  return config
}

/** Validates parsed rules; a bad file fails with the path of every bad field (`rules[1].match.prices[0]: …`). */
export function parseRules(input: unknown, origin = 'invite-bridge.config.json'): RulesFile {
  const result = v.safeParse(RulesFileSchema, input)
  if (result.success) return result.output
  const problems = result.issues.map((issue) => `  ${pathOf(issue)}: ${issue.message}`)
  throw new RulesError(`${origin} is not valid:\n${problems.join('\n')}`)
}

function pathOf(issue: v.BaseIssue<unknown>): string {
  let path = ''
  for (const item of issue.path ?? []) {
    path += typeof item.key === 'number' ? `[${item.key}]` : path ? `.${String(item.key)}` : String(item.key)
  }
  return path || '(top level)'
}

/** The rules when no file is given: today's behaviour, invite paying buyers and new org members, no roles. */
export const DEFAULT_RULES: RulesFile = {
  rules: [
    { source: 'stripe', events: ['checkout.session.completed', 'checkout.session.async_payment_succeeded', 'invoice.paid'] },
    { source: 'github', events: ['organization.member_invited', 'organization.member_added'] },
  ],
}

/** Does any rule need the Stripe API (line items for prices/products on checkouts, or a subscription's customer email)? */
export function rulesNeedingStripeApi(rules: readonly Rule[]): number[] {
  return rules.flatMap((rule, index) => {
    if (rule.source !== 'stripe') return []
    const needsItems = ruleNeedsItems(rule) && rule.events.some((event) => event.startsWith('checkout.session.'))
    const needsCustomer = rule.events.some((event) => event.startsWith('customer.subscription.'))
    return needsItems || needsCustomer ? [index] : []
  })
}

/** A rule that needs the Stripe API while no key is set would fail on every delivery: refuse to start instead. */
export function assertRulesConfigured(rules: readonly Rule[], config: { stripeApi: unknown }): void {
  const needing = rulesNeedingStripeApi(rules)
  if (needing.length && !config.stripeApi) {
    throw new RulesError(
      `${needing.map((index) => `rules[${index}]`).join(', ')} need the Stripe API (checkout line items, or a subscription's customer email): ` +
        'set STRIPE_SECRET_KEY to a restricted key with read access to Checkout Sessions and Customers',
    )
  }
}

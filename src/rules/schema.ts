import * as v from 'valibot'

/** Events a rule may name, per source. A rule naming anything else could never fire, so it is refused. */
export const RULE_EVENTS = {
  stripe: [
    'checkout.session.completed',
    'checkout.session.async_payment_succeeded',
    'invoice.paid',
    'customer.subscription.created',
    'customer.subscription.deleted',
  ],
  github: ['organization.member_invited', 'organization.member_added', 'organization.member_removed'],
} as const

// Netlify gates content on these strings; keep them plain so redirects rules can name them.
const Role = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a role is 1–64 letters, digits, or _ . : -'))
const Roles = v.pipe(v.array(Role), v.minLength(1, 'list at least one role'))
const Ids = (prefix: string) =>
  v.pipe(v.array(v.pipe(v.string(), v.startsWith(prefix, `Stripe ids here start with ${prefix}`))), v.minLength(1, 'list at least one id'))

const StripeMatch = v.strictObject({
  prices: v.optional(Ids('price_')),
  products: v.optional(Ids('prod_')),
  mode: v.optional(v.picklist(['payment', 'subscription', 'setup'])),
  livemode: v.optional(v.boolean()),
  metadata: v.optional(v.record(v.string(), v.string())),
})

const GitHubMatch = v.strictObject({
  orgs: v.optional(v.pipe(v.array(v.pipe(v.string(), v.nonEmpty())), v.minLength(1, 'list at least one org'))),
})

const ruleFields = {
  roles: v.optional(Roles),
  revoke: v.optional(Roles),
  invite: v.optional(v.boolean()),
  data: v.optional(v.record(v.string(), v.unknown())),
}

const StripeRule = v.strictObject({
  source: v.literal('stripe'),
  events: v.pipe(v.array(v.picklist(RULE_EVENTS.stripe)), v.minLength(1, 'list at least one event')),
  match: v.optional(StripeMatch),
  ...ruleFields,
})

const GitHubRule = v.strictObject({
  source: v.literal('github'),
  events: v.pipe(v.array(v.picklist(RULE_EVENTS.github)), v.minLength(1, 'list at least one event')),
  match: v.optional(GitHubMatch),
  ...ruleFields,
})

// A rule either grants (invites and/or adds roles) or revokes; mixing them in one rule hides mistakes.
const Rule = v.pipe(
  v.variant('source', [StripeRule, GitHubRule]),
  v.check((rule) => !(rule.revoke && (rule.roles || rule.invite || rule.data)), 'a revoke rule takes only "revoke" (no "roles", "invite" or "data")'),
  v.check((rule) => Boolean(rule.revoke || rule.roles || rule.invite !== false), 'this rule does nothing: it neither invites, grants "roles" nor "revoke"s'),
)

export const RulesFileSchema = v.strictObject({
  $schema: v.optional(v.string()),
  rules: v.array(Rule),
})

export type RulesFile = v.InferOutput<typeof RulesFileSchema>
export type Rule = RulesFile['rules'][number]
export type StripeRule = Extract<Rule, { source: 'stripe' }>
export type GitHubRule = Extract<Rule, { source: 'github' }>
export type RulesFileInput = v.InferInput<typeof RulesFileSchema>

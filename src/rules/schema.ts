import * as v from 'valibot'
import { ruleEvents, type SenderCatalogue } from '../core/domain/catalogue.ts'

/** One rule: when `source` sends one of `events` and `match` holds, invite and/or grant `roles`, or `revoke` them. */
export interface Rule {
  source: string
  events: string[]
  /** The sender's own match keys (see its catalogue); all given keys must hold. */
  match?: Record<string, unknown>
  roles?: string[]
  revoke?: string[]
  invite?: boolean
  data?: Record<string, unknown>
}

export interface RulesFile {
  $schema?: string
  /** Senders defined as data (src/handlers/defined reads them, before the rules that name them). */
  sources?: Record<string, unknown>[]
  rules: Rule[]
}

// Netlify gates content on these strings; keep them plain so redirects rules can name them.
const Role = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a role is 1–64 letters, digits, or _ . : -'))
const Roles = v.pipe(v.array(Role), v.minLength(1, 'list at least one role'))

const ruleFields = {
  roles: v.optional(Roles),
  revoke: v.optional(Roles),
  invite: v.optional(v.boolean()),
  data: v.optional(v.record(v.string(), v.unknown())),
}

function senderRule(catalogue: SenderCatalogue) {
  // A rule naming an event that can never fire is refused rather than left silent; a sender
  // defined in the rules file has no list to check against, its rules say what it sends.
  const Event = catalogue.openEvents
    ? v.pipe(v.string(), v.regex(/^\S+$/, 'an event type, without spaces'))
    : v.picklist(ruleEvents(catalogue) as [string, ...string[]])
  return v.strictObject({
    source: v.literal(catalogue.source),
    events: v.pipe(v.array(Event), v.minLength(1, 'list at least one event')),
    match: v.optional(v.strictObject(catalogue.matchEntries)),
    ...ruleFields,
  })
}

/** The rules file schema for these senders: each rule's events and match keys are its sender's. */
export function rulesFileSchema(catalogues: readonly SenderCatalogue[]) {
  const [first, ...rest] = catalogues.map(senderRule)
  if (!first) throw new Error('the rules schema needs at least one sender')
  // A rule either grants (invites and/or adds roles) or revokes; mixing them in one rule hides mistakes.
  const Rule = v.pipe(
    v.variant('source', [first, ...rest]),
    v.check((rule) => !(rule.revoke && (rule.roles || rule.invite || rule.data)), 'a revoke rule takes only "revoke" (no "roles", "invite" or "data")'),
    v.check((rule) => Boolean(rule.revoke || rule.roles || rule.invite !== false), 'this rule does nothing: it neither invites, grants "roles" nor "revoke"s'),
  )
  return v.strictObject({
    $schema: v.optional(v.string()),
    // Checked by the defined senders' own schema before these rules are read.
    sources: v.optional(v.array(v.record(v.string(), v.unknown()))),
    rules: v.array(Rule),
  })
}

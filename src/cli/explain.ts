import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../core/config/config.ts'
import type { Env } from '../core/config/env.ts'
import type { Delivery, Recipient } from '../core/domain/delivery.ts'
import { normaliseEmail } from '../core/domain/email.ts'
import { createStripeApi } from '../handlers/stripe/api.ts'
import { mapGitHubEvent, type GitHubPayload } from '../handlers/github/verify.ts'
import type { StripeEventLike } from '../handlers/stripe/verify.ts'
import { mapStripeEvent } from '../handlers/stripe/map.ts'
import { RulesError } from '../rules/load.ts'
import type { Rule } from '../rules/schema.ts'
import { explainDelivery, type Explanation } from './explain-delivery.ts'
import { DEFAULTS_NOTE, describeEffect, describeMatch, readRules } from './rules-text.ts'
import { UsageError, type CommandIO } from './usage.ts'

export const EXPLAIN_HELP = `Usage: invite-bridge explain <payload.json> --source stripe|github [options]

Shows what the bridge would do with one delivery: which rules name the event,
which of them match, and the plan: invite or not, roles granted and revoked,
user data, and who it is about. No signature is needed (it is a local file)
and nothing is written anywhere.

The payload is what the provider posts: a whole Stripe event (the Dashboard's
event JSON, or \`stripe events retrieve evt_…\`), or a GitHub webhook body
(the webhook's Recent Deliveries → Payload) with its X-GitHub-Event in --event.

Rules on the prices or products of a checkout need the session's line items,
which the event does not carry: with STRIPE_SECRET_KEY set they are read from
the Stripe API (a read; a restricted read-only key is enough); without it
those rules cannot be evaluated, and explain says which and exits 1. People
are not looked up: a GitHub login or a Stripe customer is shown as such.

Options:
  --source <stripe|github>  where the payload comes from (required)
  --event <name>            the X-GitHub-Event header, e.g. organization (required
                            for github; the action comes from the payload)
  --config <path>           the rules file (default: $INVITE_BRIDGE_CONFIG, else
                            ./invite-bridge.config.json, else the built-in defaults)
  --json                    print the result as JSON (outcome, reason, rules, plan)
  -h, --help                show this help

Examples:
  invite-bridge explain event.json --source stripe
  invite-bridge explain payload.json --source github --event organization

Exit status: 0 when explained (skipped and ignored included), 1 when a rule
could not be evaluated, the rules are invalid or the Stripe API failed,
2 for bad arguments or a payload that is not one.`

export async function runExplain(argv: string[], io: CommandIO, env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      source: { type: 'string' },
      event: { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean' },
    },
  })
  const [file, ...extra] = positionals
  if (!file) throw new UsageError('name the payload file: invite-bridge explain <payload.json> --source stripe|github')
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`)
  const delivery = toDelivery(values.source, values.event, readPayload(file))

  let loaded: Awaited<ReturnType<typeof readRules>>
  try {
    loaded = await readRules(values.config, env)
  } catch (error) {
    if (!(error instanceof RulesError)) throw error
    io.err(`error: ${error.message}`)
    return 1
  }
  const { stripeApi } = loadConfig(env)
  const result = await explainDelivery(delivery, loaded.rules.rules, stripeApi ? createStripeApi(stripeApi) : null)

  if (values.json) io.out(JSON.stringify(result, null, 2))
  else io.out(describe(result, loaded.rules.rules, loaded.path).join('\n'))
  if (loaded.path === null) io.err(`note: ${DEFAULTS_NOTE}`)
  if (result.outcome !== 'incomplete') return 0
  io.err(`error: ${result.reason}`)
  return 1
}

function readPayload(file: string): Record<string, any> {
  let payload: unknown
  try {
    payload = JSON.parse(readFileSync(resolve(file), 'utf8'))
  } catch (error) {
    throw new UsageError(`cannot read ${file} as JSON: ${(error as Error).message}`)
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new UsageError(`${file} is not a JSON object`)
  return payload as Record<string, any>
}

function toDelivery(source: string | undefined, event: string | undefined, payload: Record<string, any>): Delivery {
  if (source === 'stripe') {
    if (event !== undefined) throw new UsageError('--event is for github: a Stripe event carries its own type')
    if (typeof payload.type !== 'string' || typeof payload.data?.object !== 'object' || payload.data.object === null) {
      throw new UsageError('not a Stripe event (it needs "type" and "data.object"): pass the whole event, not only its data.object')
    }
    return mapStripeEvent({ ...payload, id: typeof payload.id === 'string' ? payload.id : '(no id)' } as StripeEventLike)
  }
  if (source === 'github') {
    if (!event) throw new UsageError('--event is required for github: the X-GitHub-Event header, e.g. organization')
    if (event.includes('.')) throw new UsageError(`--event is the X-GitHub-Event header (e.g. ${event.split('.')[0]}): the action comes from the payload`)
    return mapGitHubEvent(event, 'local file', payload as GitHubPayload)
  }
  throw new UsageError('--source must be stripe or github')
}

function describe(result: Explanation, rules: readonly Rule[], path: string | null): string[] {
  const lines = [
    `Delivery: ${result.source} ${result.event} (${result.eventId})`,
    `Rules:    ${path ?? 'built-in defaults'}`,
    `Who:      ${who(result.recipient)}`,
  ]
  lines.push(`Facts:    ${facts(result)}`)
  if (result.outcome === 'skipped') return [...lines, '', `Skipped: ${result.reason}`, 'The bridge would answer "ignored" whatever the rules say.']

  lines.push('', result.rules.length ? `Rules naming ${result.event}:` : `No rule names ${result.event}.`)
  for (const { index, matched, reason } of result.rules) {
    const rule = rules[index]!
    const status = matched === null ? `could not be evaluated: ${reason}` : matched ? `matches: ${describeEffect(rule)}` : 'does not match'
    lines.push(`  rules[${index}] ${status}`, `    match: ${describeMatch(rule)}`)
  }
  if (result.outcome === 'incomplete') return [...lines, '', 'Incomplete: the plan depends on the rules above that could not be evaluated.']
  if (!result.plan) return [...lines, '', `Ignored: ${result.reason}`]
  const { plan } = result
  return [
    ...lines,
    '',
    'The bridge would:',
    `  invite:       ${plan.invite ? 'yes (once per person: nobody is invited twice)' : 'no'}`,
    `  grant roles:  ${plan.grant.join(', ') || '(none)'}${plan.grant.length && !plan.invite ? ' (only if the person already has an account)' : ''}`,
    `  revoke roles: ${plan.revoke.join(', ') || '(none)'}`,
    `  data:         ${Object.keys(plan.data).length ? JSON.stringify(plan.data) : '(none)'}`,
  ]
}

/** What rules match on, as `match` names it. */
function facts({ facts, itemsRead }: Explanation): string {
  if (facts.github) return `org: ${facts.github.org ?? '(none)'}`
  if (!facts.stripe) return '(none)'
  const { items, mode, livemode, metadata } = facts.stripe
  const listed = items?.map((item) => `${item.price ?? '?'} (${item.product ?? '?'})`).join(', ')
  return [
    `items: ${items === null ? 'not in the event (read from the Stripe API only when a rule matches on them)' : `${listed || '(none)'}${itemsRead ? ', read from the Stripe API' : ''}`}`,
    `mode: ${mode ?? '(none)'}`,
    `livemode: ${livemode ?? '(unknown)'}`,
    `metadata: ${Object.entries(metadata).map(([key, value]) => `${key}=${String(value)}`).join(', ') || '(none)'}`,
  ].join('; ')
}

function who(recipient: Recipient | null): string {
  if (!recipient) return 'nobody: the event names no one (the bridge would answer no_email)'
  if (recipient.kind === 'github-login') return `GitHub user @${recipient.login} (their public email would be looked up on GitHub)`
  if (recipient.kind === 'stripe-customer') return `Stripe customer ${recipient.customerId} (their email would be read from the Stripe API)`
  return normaliseEmail(recipient.email) ?? `"${recipient.email}" (not an address: the bridge would answer rejected)`
}

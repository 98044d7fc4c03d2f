import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../core/config/config.ts'
import type { Env } from '../core/config/env.ts'
import type { Delivery, Recipient } from '../core/domain/delivery.ts'
import { normaliseEmail } from '../core/domain/email.ts'
import { RulesError } from '../core/domain/errors.ts'
import { cataloguesOf, findSender } from '../handlers/registry.ts'
import { SENDERS } from '../handlers/senders.ts'
import type { Sender } from '../handlers/sender.ts'
import type { Rule } from '../rules/schema.ts'
import { explainDelivery, type Explanation } from './explain-delivery.ts'
import { DEFAULTS_NOTE, describeEffect, describeMatch, readRules } from './rules-text.ts'
import { UsageError, type CommandIO } from './usage.ts'

const SOURCES = `${SENDERS.map((sender) => sender.name).join('|')}|<a sender your rules file defines>`

export const EXPLAIN_HELP = `Usage: invite-bridge explain <payload.json> --source <sender> [options]

Shows what the bridge would do with one delivery: which rules name the event,
which of them match, and the plan: invite or not, roles granted and revoked,
user data, and who it is about. No signature is needed (it is a local file)
and nothing is written anywhere.

The payload is what the provider posts: a whole Stripe event (the Dashboard's
event JSON, or \`stripe events retrieve evt_…\`), a GitHub webhook body
(the webhook's Recent Deliveries → Payload) with its X-GitHub-Event in --event,
a Shopify webhook body with its X-Shopify-Topic in --event, or the body any
other sender posts (its type is in the body).

Rules on the prices or products of a checkout need the session's line items,
which the event does not carry: with STRIPE_SECRET_KEY set they are read from
the Stripe API (a read; a restricted read-only key is enough); without it
those rules cannot be evaluated, and explain says which and exits 1. People
are not looked up: a GitHub login or a Stripe customer is shown as such.

Options:
  --source <sender>         where the payload comes from (required): one of
                            ${SOURCES}
  --event <name>            the X-GitHub-Event header, e.g. organization (required
                            for github; the action comes from the payload), or the
                            X-Shopify-Topic, e.g. orders/paid (required for shopify)
  --config <path>           the rules file (default: $INVITE_BRIDGE_CONFIG, else
                            ./invite-bridge.config.json, else the built-in defaults)
  --json                    print the result as JSON (outcome, reason, rules, plan)
  -h, --help                show this help

Examples:
  invite-bridge explain event.json --source stripe
  invite-bridge explain payload.json --source github --event organization
  invite-bridge explain order.json --source shopify --event orders/paid

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
  if (!file) throw new UsageError('name the payload file: invite-bridge explain <payload.json> --source <sender>')
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`)
  const payload = readPayload(file)

  // The rules file first: it may define the sender named.
  let loaded: Awaited<ReturnType<typeof readRules>>
  try {
    loaded = await readRules(values.config, env)
  } catch (error) {
    if (!(error instanceof RulesError)) throw error
    io.err(`error: ${error.message}`)
    return 1
  }
  const sender = senderNamed(loaded.senders, values.source)
  const delivery = toDelivery(sender, values.event, payload)
  const settings = loadConfig(env, [sender]).senders[sender.name]!.settings
  const reads = sender.reads?.(settings, fetch) ?? null
  const result = await explainDelivery(delivery, {
    rules: loaded.rules.rules,
    catalogues: cataloguesOf(loaded.senders),
    reads: (source) => (source === sender.name ? reads : null),
    unreadable: (hasApi) => sender.explain.itemsUnreadable?.(hasApi) ?? 'the event does not carry the items these rules match on',
  })

  if (values.json) io.out(JSON.stringify(result, null, 2))
  else io.out(describe(result, sender, loaded.rules.rules, loaded.path).join('\n'))
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

function senderNamed(senders: readonly Sender[], name: string | undefined): Sender {
  const sender = name === undefined ? undefined : findSender(senders, name)
  if (!sender) {
    const names = senders.map((candidate) => candidate.name)
    throw new UsageError(`--source must be ${names.slice(0, -1).join(', ')} or ${names.at(-1)}`)
  }
  return sender
}

function toDelivery(sender: Sender, event: string | undefined, payload: Record<string, any>): Delivery {
  try {
    return sender.explain.delivery(payload, event)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

function describe(result: Explanation, sender: Sender, rules: readonly Rule[], path: string | null): string[] {
  const lines = [
    `Delivery: ${result.source} ${result.event} (${result.eventId})`,
    `Rules:    ${path ?? 'built-in defaults'}`,
    `Who:      ${who(result.recipient, sender)}`,
  ]
  lines.push(`Facts:    ${sender.explain.facts(result.facts, Boolean(result.itemsRead))}`)
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

function who(recipient: Recipient | null, sender: Sender): string {
  if (!recipient) return 'nobody: the event names no one (the bridge would answer no_email)'
  if (recipient.kind === 'account') return sender.explain.account(recipient.account)
  return normaliseEmail(recipient.email) ?? `"${recipient.email}" (not an address: the bridge would answer rejected)`
}

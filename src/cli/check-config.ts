import { parseArgs } from 'node:util'
import { loadConfig } from '../core/config/config.ts'
import type { Env } from '../core/config/env.ts'
import { ConfigError, RulesError } from '../core/domain/errors.ts'
import type { SourceDefinition } from '../handlers/defined/schema.ts'
import { cataloguesOf, senderStates } from '../handlers/registry.ts'
import { RULES_FILE_NAME } from '../rules/file.ts'
import { assertRulesConfigured, rulesNeedingApiKey } from '../rules/load.ts'
import { DEFAULTS_NOTE, describeRule, readRules, ruleWarnings } from './rules-text.ts'
import { UsageError, type CommandIO } from './usage.ts'

export const CHECK_CONFIG_HELP = `Usage: invite-bridge check-config [options]

Validates the rules file and prints the rules as the bridge applies them: one
block per rule with its index, source, events, match, and what it does
(invites, grants roles, revokes roles, sets data). Netlify's build runs it
(npm run check-config), so a bad rules file fails the deploy, not the webhooks.

The rules file is --config, else $INVITE_BRIDGE_CONFIG, else
./invite-bridge.config.json; when none of them exists the built-in defaults
apply (invite paying buyers and new org members, no roles).

Senders the file defines under "sources" are listed with their route and
secret variable, and checked: name (not a built-in one), scheme, headers,
JSON Pointers.

Errors (exit 1):
  - any bad field: every one is listed by its path, e.g. rules[0].match.prices[0]
    or sources[1].signatureHeader
  - rules that need a sender's API while its key is not set, for a sender whose
    webhook secret is set: the bridge refuses to start without it. Stripe:
    checkout rules matching prices or products, subscription and dispute rules
    (STRIPE_SECRET_KEY); Paddle: every rule, as its events carry only a
    customer id (PADDLE_API_KEY); Shopify: refund rules (SHOPIFY_ADMIN_TOKEN).
    A sender whose secret is not set is off: its rules are only warned about.
    On Netlify, give these variables the Builds scope too.
  - a bad setting in the environment (the bridge would answer 503)
  - on Netlify, no ${RULES_FILE_NAME}: the function bundles that file
Warnings (exit 0): a rule that invites on an event that ends something
(member_removed, subscription deleted), no rules at all, and on Netlify an
INVITE_BRIDGE_CONFIG the function does not read.

Options:
  --config <path>   the rules file (.json, or .ts/.js exporting defineConfig(...))
  --json            print the parsed rules as JSON instead (itself a valid rules file);
                    notes, warnings and errors still go to stderr
  -h, --help        show this help

Exit status: 0 when valid (warnings allowed), 1 when not, 2 for bad arguments.`

export async function runCheckConfig(argv: string[], io: CommandIO, env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      json: { type: 'boolean' },
    },
  })
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" (the rules file goes after --config)`)

  // The Netlify function imports invite-bridge.config.json at bundle time and nothing else,
  // so on Netlify's build that file is the one to check, whatever INVITE_BRIDGE_CONFIG says.
  const onNetlify = env.NETLIFY === 'true'
  let loaded: Awaited<ReturnType<typeof readRules>>
  try {
    loaded = await readRules(values.config, onNetlify && values.config === undefined ? { ...env, INVITE_BRIDGE_CONFIG: undefined } : env)
  } catch (error) {
    if (!(error instanceof RulesError)) throw error
    io.err(`error: ${error.message}`)
    return 1
  }
  const { rules, path, senders } = loaded
  const catalogues = cataloguesOf(senders)

  const errors: string[] = []
  // Switched-off senders' rules that were not held to their API key: worth knowing, not wrong.
  const notes: string[] = []
  const warnings = ruleWarnings(rules.rules, catalogues)
  if (!rules.rules.length) warnings.push('there are no rules: every delivery is ignored')
  if (onNetlify && values.config === undefined && env.INVITE_BRIDGE_CONFIG?.trim()) {
    warnings.push(`INVITE_BRIDGE_CONFIG is set, but the Netlify function bundles ${RULES_FILE_NAME}, not that file: checked ${RULES_FILE_NAME}`)
  }
  if (path === null && onNetlify) errors.push(`the Netlify function bundles ${RULES_FILE_NAME}: create it (copy the defaults with \`invite-bridge check-config --json\`)`)
  try {
    const { enabled, hasApiKey } = senderStates(senders, loadConfig(env, senders))
    // Only written rules: the defaults name every sender, and one not in use should cost no warning.
    const written = path === null ? [] : rulesNeedingApiKey(rules.rules, catalogues)
    const unchecked = written.filter((index) => !enabled(rules.rules[index]!.source) && !hasApiKey(rules.rules[index]!.source))
    for (const index of unchecked) {
      const sender = senders.find((candidate) => candidate.name === rules.rules[index]!.source)!
      notes.push(
        `rules[${index}] need ${sender.catalogue.api!.keyVariable}, but ${sender.secretVariable} is not set here, so ${sender.name} is off and they were not checked: where ${sender.secretVariable} is set, set ${sender.catalogue.api!.keyVariable} too`,
      )
    }
    assertRulesConfigured(rules.rules, catalogues, hasApiKey, enabled)
  } catch (error) {
    if (!(error instanceof RulesError || error instanceof ConfigError)) throw error
    errors.push(error.message)
  }

  if (values.json) io.out(JSON.stringify(rules, null, 2))
  else {
    for (const line of describeSources(rules.sources as SourceDefinition[] | undefined)) io.out(line)
    io.out(`Rules: ${path ?? 'built-in defaults'} (${rules.rules.length} ${rules.rules.length === 1 ? 'rule' : 'rules'})`)
    for (const [index, rule] of rules.rules.entries()) io.out(['', ...describeRule(rule, index)].join('\n'))
  }
  if (path === null) io.err(`note: ${DEFAULTS_NOTE}`)
  for (const note of notes) io.err(`note: ${note}`)
  for (const warning of warnings) io.err(`warning: ${warning}`)
  for (const error of errors) io.err(`error: ${error}`)
  if (errors.length) return 1
  if (!values.json) io.out(`\nOK: the rules are valid${warnings.length ? ` (${warnings.length} ${warnings.length === 1 ? 'warning' : 'warnings'})` : ''}.`)
  return 0
}

/** One line per sender the file defines: where it is served, how it is verified, where its secret is. */
function describeSources(sources: readonly SourceDefinition[] = []): string[] {
  if (!sources.length) return []
  return [
    `Senders the file defines (${sources.length}):`,
    ...sources.map((source) => {
      const how = source.scheme === 'standard-webhooks' ? 'Standard Webhooks' : `HMAC-SHA256 in ${source.signatureHeader} (${source.encoding})`
      return `  ${source.name}: /webhooks/${source.name}, ${how}, secret in ${source.secretEnv}`
    }),
    '',
  ]
}

import type { Env } from '../core/config/env.ts'
import { readRulesInput, RULES_FILE_NAME } from '../rules/file.ts'
import { defaultRules, parseRules } from '../rules/load.ts'
import type { RulesFile } from '../rules/schema.ts'
import { definedSender, eventsNamed } from './defined/sender.ts'
import { readSourceDefinitions } from './defined/schema.ts'
import { cataloguesOf, SENDERS } from './registry.ts'
import type { Sender } from './sender.ts'

export interface SendersAndRules {
  /** The built-in senders, then those the rules file defines. */
  senders: readonly Sender[]
  rules: RulesFile
}

/**
 * The senders and the rules a rules file makes, in two steps: its `sources`
 * become senders first, so its rules may name them. `input` undefined (no
 * file) gives the built-in senders and the default rules. Every runtime and
 * command builds its senders here. Throws RulesError naming each bad field.
 */
export function loadSenders(input: unknown, options: { builtIn?: readonly Sender[]; origin?: string } = {}): SendersAndRules {
  const builtIn = options.builtIn ?? SENDERS
  if (input === undefined) return { senders: builtIn, rules: defaultRules(cataloguesOf(builtIn)) }
  const origin = options.origin ?? RULES_FILE_NAME
  const definitions = readSourceDefinitions(
    input,
    builtIn.map((sender) => sender.name),
    origin,
  )
  // Before the rules are read a defined sender's events are open; afterwards they are the ones the rules name.
  const rules = parseRules(input, cataloguesOf([...builtIn, ...definitions.map((definition) => definedSender(definition, []))]), origin)
  const defined = definitions.map((definition) => definedSender(definition, eventsNamed(rules.rules, definition.name)))
  return { senders: [...builtIn, ...defined], rules }
}

/** The local server's and the CLI's: the rules file (INVITE_BRIDGE_CONFIG, else ./invite-bridge.config.json) or none; path null = the defaults. */
export async function loadSendersFromFile(env: Env, cwd = process.cwd()): Promise<SendersAndRules & { path: string | null }> {
  const file = await readRulesInput(env, cwd)
  return { ...loadSenders(file?.input, file ? { origin: file.path } : {}), path: file?.path ?? null }
}

import type { EventSpec } from '../core/domain/catalogue.ts'
import { RULES_FILE_NAME } from '../rules/file.ts'
import { defaultRules, parseRules } from '../rules/load.ts'
import type { RulesFile } from '../rules/schema.ts'
import { definedRuntime, eventsNamed } from './defined/runtime.ts'
import { readSourceDefinitions, type SourceDefinition } from './defined/schema.ts'
import { cataloguesOf, SENDER_RUNTIMES } from './registry.ts'
import type { Sender, SenderRuntime } from './sender.ts'

export interface SendersAndRules<S extends SenderRuntime = Sender> {
  /** The built-in senders, then those the rules file defines. */
  senders: readonly S[]
  rules: RulesFile
}

/** Which senders to build: the built-in ones, and how a definition in the rules file becomes one. */
export interface SenderKind<S extends SenderRuntime> {
  builtIn: readonly S[]
  define: (definition: SourceDefinition, events: readonly EventSpec[]) => S
}

/** As a deployed bridge runs them: no CLI tools (see senders.ts for those). */
const RUNTIMES: SenderKind<SenderRuntime> = { builtIn: SENDER_RUNTIMES, define: definedRuntime }

/**
 * The senders (of `kind`: runtimes, or senders with their tools) and the rules a rules file makes, in two steps: its `sources`
 * become senders first, so its rules may name them. `input` undefined (no
 * file) gives the built-in senders and the default rules. Every runtime and
 * command builds its senders here. Throws RulesError naming each bad field.
 */
export function loadSendersOf<S extends SenderRuntime>(kind: SenderKind<S>, input: unknown, origin = RULES_FILE_NAME): SendersAndRules<S> {
  const { builtIn, define } = kind
  if (input === undefined) return { senders: builtIn, rules: defaultRules(cataloguesOf(builtIn)) }
  const definitions = readSourceDefinitions(
    input,
    builtIn.map((sender) => sender.name),
    origin,
  )
  // Before the rules are read a defined sender's events are open; afterwards they are the ones the rules name.
  const rules = parseRules(input, cataloguesOf([...builtIn, ...definitions.map((definition) => define(definition, []))]), origin)
  const defined = definitions.map((definition) => define(definition, eventsNamed(rules.rules, definition.name)))
  return { senders: [...builtIn, ...defined], rules }
}

/** The senders a deployed bridge serves, and its rules: `builtIn` replaces the shipped senders. */
export function loadSenderRuntimes(input: unknown, options: { builtIn?: readonly SenderRuntime[]; origin?: string } = {}): SendersAndRules<SenderRuntime> {
  return loadSendersOf(options.builtIn ? { ...RUNTIMES, builtIn: options.builtIn } : RUNTIMES, input, options.origin)
}

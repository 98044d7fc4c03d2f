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
export function loadSendersOf<S extends SenderRuntime>(kind: SenderKind<S>, input: unknown, options: LoadOptions<S> = {}): SendersAndRules<S> {
  const { define } = kind
  // `builtIn` replaces the shipped senders.
  const builtIn = options.builtIn ?? kind.builtIn
  const origin = options.origin ?? RULES_FILE_NAME
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

export interface LoadOptions<S extends SenderRuntime> {
  builtIn?: readonly S[]
  /** What errors name the rules by (default invite-bridge.config.json). */
  origin?: string
}

/** The senders a deployed bridge serves, and its rules. */
export function loadSenderRuntimes(input: unknown, options: LoadOptions<SenderRuntime> = {}): SendersAndRules<SenderRuntime> {
  return loadSendersOf(RUNTIMES, input, options)
}

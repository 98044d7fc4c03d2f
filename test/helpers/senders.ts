import { loadConfig, type BridgeConfig } from '../../src/core/config/config.ts'
import type { Env } from '../../src/core/config/env.ts'
import { cataloguesOf } from '../../src/handlers/registry.ts'
import { SENDERS } from '../../src/handlers/senders.ts'
import { defaultRules, parseRules } from '../../src/rules/load.ts'
import type { RulesFile } from '../../src/rules/schema.ts'

/** The built-in senders' catalogues, as the bridge hands them to rules. */
export const CATALOGUES = cataloguesOf(SENDERS)

/** Settings as the bridge reads them, for the built-in senders. */
export function bridgeConfig(env: Env): BridgeConfig {
  return loadConfig(env, SENDERS)
}

/** Rules as the bridge reads them, for the built-in senders. */
export function rulesFor(input: unknown, origin?: string): RulesFile {
  return parseRules(input, CATALOGUES, origin)
}

export const DEFAULT_RULES = defaultRules(CATALOGUES)

import type { EventSpec } from '../../core/domain/catalogue.ts'
import type { SenderRuntime } from '../sender.ts'
import { mapDefinedEvent } from './map.ts'
import type { SourceDefinition } from './schema.ts'
import { verifyDefinedEvent } from './verify.ts'

/**
 * A sender made from a definition in the rules file, as a deployed bridge
 * runs it: an ordinary sender, so routes, rules and `/health` treat it like
 * a built-in one. Its events are the ones the rules name (it has no list of
 * its own), and its rules match on the event alone. definedSender adds the
 * CLI's tools.
 */
export function definedRuntime(definition: SourceDefinition, events: readonly EventSpec[]): SenderRuntime<Record<string, never>> {
  const { name } = definition
  return {
    name,
    secretVariable: definition.secretEnv,
    // Everything else about it is in the rules file, checked before it is built.
    readSettings: () => ({}),
    catalogue: { source: name, events, openEvents: true, matchEntries: {}, matches: () => true },
    async receive(request, config) {
      const { eventId, body } = verifyDefinedEvent(definition, request, config.secrets)
      return mapDefinedEvent(definition, eventId, body)
    },
  }
}

/** The events the rules name for a defined sender: revoked on when a revoke rule names it, else granted on. */
export function eventsNamed(rules: readonly { source: string; events: readonly string[]; revoke?: readonly string[] }[], source: string): EventSpec[] {
  const named = new Map<string, EventSpec['effect']>()
  for (const rule of rules) {
    if (rule.source !== source) continue
    for (const type of rule.events) named.set(type, rule.revoke || named.get(type) === 'revoke' ? 'revoke' : 'grant')
  }
  return [...named].map(([type, effect]) => ({ type, effect, meaning: 'named by the rules file', about: 'the person at the email pointer' }))
}

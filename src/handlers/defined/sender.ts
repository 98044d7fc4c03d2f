import type { EventSpec } from '../../core/domain/catalogue.ts'
import type { Sender } from '../sender.ts'
import { bodyEventId, mapDefinedEvent } from './map.ts'
import { definedSamples } from './samples.ts'
import type { SourceDefinition } from './schema.ts'
import { signDefined } from './sign.ts'
import { verifyDefinedEvent } from './verify.ts'

/**
 * A sender made from a definition in the rules file: an ordinary Sender, so
 * routes, rules, `send`, `explain` and `/health` treat it like a built-in
 * one. Its events are the ones the rules name (it has no list of its own),
 * and its rules match on the event alone.
 */
export function definedSender(definition: SourceDefinition, events: readonly EventSpec[]): Sender<Record<string, never>> {
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
    sign: (sample, secret, options) => signDefined(definition, sample, secret, options),
    samples: definedSamples(
      definition,
      events.map((event) => event.type),
    ),
    explain: {
      delivery(payload, event) {
        if (event !== undefined) throw new Error(`--event is for senders that name the event in a header: ${name} reads it at ${definition.eventType}`)
        // The id may be a header, which a file does not have.
        return mapDefinedEvent(definition, bodyEventId(definition, payload) ?? '(local file)', payload)
      },
      facts: () => `(none: rules on ${name}, a sender the rules file defines, match on its events only)`,
      account: (account) => account,
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

import type { EventSpec } from '../../core/domain/catalogue.ts'
import type { Sender } from '../sender.ts'
import { bodyEventId, mapDefinedEvent } from './map.ts'
import { definedRuntime } from './runtime.ts'
import { definedSamples } from './samples.ts'
import type { SourceDefinition } from './schema.ts'
import { signDefined } from './sign.ts'

/** A sender the rules file defines, with the tools `send`, `explain` and the tests use, like a built-in one. */
export function definedSender(definition: SourceDefinition, events: readonly EventSpec[]): Sender<Record<string, never>> {
  const { name } = definition
  return {
    ...definedRuntime(definition, events),
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

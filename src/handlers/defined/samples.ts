import { randomUUID } from 'node:crypto'
import type { SampleOptions, SamplePayload } from '../sender.ts'
import { writePointer } from './pointer.ts'
import type { SourceDefinition } from './schema.ts'

/**
 * A body with the fields the definition points at, and nothing else: the
 * event type, the address (`--email`), the name (`--name`), the time, and
 * the id when the body carries it. Fresh each call.
 */
function sampleBody(definition: SourceDefinition, event: string, options: SampleOptions): Record<string, unknown> {
  if (options.email === undefined) throw new Error(`--email is required for ${definition.name}: it goes at ${definition.email}`)
  const body: Record<string, unknown> = {}
  const put = (pointer: string | undefined, value: unknown) => {
    if (pointer === undefined) return
    try {
      writePointer(body, pointer, value)
    } catch (error) {
      throw new Error(`cannot build a ${definition.name} body: ${(error as Error).message}`)
    }
  }
  put(definition.eventType, event)
  put(definition.email, options.email)
  if (options.name !== undefined) put(definition.fullName, options.name)
  put(definition.occurredAt, new Date().toISOString())
  if (definition.scheme === 'hmac-sha256') put(definition.id, randomUUID())
  return body
}

/** One sample per event the rules name for this sender. */
export function definedSamples(definition: SourceDefinition, events: readonly string[]): Record<string, (options: SampleOptions) => SamplePayload> {
  return Object.fromEntries(events.map((event) => [event, (options: SampleOptions) => ({ eventName: event, payload: sampleBody(definition, event, options) })]))
}

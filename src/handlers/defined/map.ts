import type { Delivery } from '../../core/domain/delivery.ts'
import { BadRequestError } from '../../core/domain/errors.ts'
import { readPointer } from './pointer.ts'
import type { SourceDefinition } from './schema.ts'

function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return typeof value === 'string' && value.trim() ? value.trim() : undefined
}

/** ISO 8601, or Unix seconds (a number, or a string of digits); anything else is left out. */
function instant(value: unknown): number | undefined {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,12}$/.test(value.trim()) ? Number(value) : undefined
  const ms = seconds !== undefined ? seconds * 1000 : typeof value === 'string' ? Date.parse(value) : Number.NaN
  return Number.isFinite(ms) ? ms : undefined
}

/** The event id a body carries at the definition's `id` pointer (hmac-sha256 senders without an id header). */
export function bodyEventId(definition: SourceDefinition, body: unknown): string | undefined {
  return definition.scheme === 'hmac-sha256' && definition.id ? text(readPointer(body, definition.id)) : undefined
}

/** What a verified body says, read at the definition's pointers. Pure; a body without an event type is refused. */
export function mapDefinedEvent(definition: SourceDefinition, eventId: string, body: unknown): Delivery {
  const eventType = text(readPointer(body, definition.eventType))
  if (!eventType) throw new BadRequestError(`Signed ${definition.name} body has no event type at ${definition.eventType}`, 'invalid_event')
  const field = (pointer: string | undefined) => (pointer === undefined ? undefined : readPointer(body, pointer))
  const email = text(field(definition.email))
  const name = text(field(definition.fullName))
  const subject = text(field(definition.subject))
  const occurredAt = instant(field(definition.occurredAt))
  return {
    source: definition.name,
    eventId,
    eventType,
    ...(occurredAt === undefined ? {} : { occurredAt }),
    recipient: email ? { kind: 'email', email } : null,
    ...(subject ? { subject } : {}),
    ...(name ? { data: { full_name: name } } : {}),
    facts: { source: definition.name, event: eventType },
  }
}

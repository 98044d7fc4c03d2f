import { createHash } from 'node:crypto'

type Loose = Record<string, any>

/**
 * Events that happen once in an object's life: an order is created once, so
 * `order_created:orders:123` names that event for good, even if a resend
 * from the dashboard were to carry the order as it is now.
 */
const ONCE_PER_OBJECT = new Set(['order_created', 'subscription_created', 'license_key_created'])

function idText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return typeof value === 'string' && value.trim() ? value.trim() : undefined
}

/**
 * The event's id, which the pipeline de-duplicates on. Lemon Squeezy sends no
 * delivery id (its headers are the content type, X-Event-Name and
 * X-Signature) and retries (up to three times: 5 s, 25 s, 125 s) the same
 * body. What names one event and stays the same across its retries:
 *
 * - once-per-object events: the event name and the object (`data.type`, `data.id`);
 * - events that recur for one object (`subscription_updated`, a second
 *   partial refund, `order_refunded` after one): the same, plus the object's
 *   `updated_at`, which each occurrence moves and a retry repeats;
 * - a body without those: a digest of the signed body, which a retry repeats
 *   byte for byte.
 *
 * Not a digest for everything: two webhooks pointing here (or a body
 * re-rendered on a resend) would make one event two.
 */
export function lemonSqueezyEventId(eventName: string, data: Loose, rawBody: string): string {
  const type = idText(data.type)
  const id = idText(data.id)
  const updatedAt = idText((data.attributes as Loose | undefined)?.updated_at)
  if (type && id && ONCE_PER_OBJECT.has(eventName)) return `${eventName}:${type}:${id}`
  if (type && id && updatedAt) return `${eventName}:${type}:${id}:${updatedAt}`
  return `${eventName}:sha256:${createHash('sha256').update(rawBody, 'utf8').digest('hex')}`
}

import type { Delivery } from '../../core/domain/delivery.ts'
import type { LemonSqueezyFacts } from './catalogue.ts'
import type { VerifiedLemonSqueezyEvent } from './verify.ts'

type Loose = Record<string, any>

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined
}

/** An id as a string: the API sends numbers. */
function id(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : text(value)
}

function record(value: unknown): Loose {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : {}
}

const ACTS = new Set(['order_created', 'order_refunded', 'subscription_expired'])

/** Why an event that acts must not count, or undefined when it counts. */
function skipReason(eventName: string, status: string | undefined): string | undefined {
  if (eventName === 'order_created' && status !== 'paid') return `the order is not paid (status: ${status ?? 'missing'})`
  // order_refunded is sent for partial refunds too; only a full refund takes roles away.
  if (eventName === 'order_refunded' && status !== 'refunded') return `the order was not refunded in full (status: ${status ?? 'missing'})`
  return undefined
}

/** What a verified Lemon Squeezy event says: who, which product and variant, test mode or not. Pure. */
export function mapLemonSqueezyEvent(eventId: string, event: VerifiedLemonSqueezyEvent): Delivery {
  const { eventName, meta, data } = event
  const attributes = record(data.attributes)
  const updatedAt = Date.parse(text(attributes.updated_at) ?? '')
  const base = {
    source: 'lemonsqueezy' as const,
    eventId,
    eventType: eventName,
    // The object changed when the event happened: updated_at is that moment.
    ...(Number.isFinite(updatedAt) ? { occurredAt: updatedAt } : {}),
  }
  if (!ACTS.has(eventName)) return { ...base, skip: `event ${eventName} does not invite anyone`, recipient: null, facts: { source: 'lemonsqueezy', event: eventName } }

  // Orders name their product on the first item; subscriptions on themselves.
  const item = data.type === 'orders' ? record(attributes.first_order_item) : attributes
  const testMode = typeof meta.test_mode === 'boolean' ? meta.test_mode : typeof attributes.test_mode === 'boolean' ? attributes.test_mode : undefined
  const facts: LemonSqueezyFacts = {
    products: [id(item.product_id)].filter((value): value is string => value !== undefined),
    variants: [id(item.variant_id)].filter((value): value is string => value !== undefined),
    ...(testMode === undefined ? {} : { testMode }),
  }
  const email = text(attributes.user_email)
  const name = text(attributes.user_name)
  const subject = id(attributes.customer_id)
  const skip = skipReason(eventName, text(attributes.status))
  return {
    ...base,
    ...(skip ? { skip } : {}),
    recipient: email ? { kind: 'email', email } : null,
    ...(subject ? { subject } : {}),
    ...(name ? { data: { full_name: name } } : {}),
    facts: { source: 'lemonsqueezy', event: eventName, lemonsqueezy: facts },
  }
}

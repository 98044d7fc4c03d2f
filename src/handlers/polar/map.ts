import type { Delivery } from '../../core/domain/delivery.ts'
import type { PolarFacts } from './catalogue.ts'

/** The part of a Polar webhook body the bridge reads. */
export interface PolarPayload {
  type: string
  timestamp?: unknown
  data?: unknown
}

type Loose = Record<string, any>

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined
}

function record(value: unknown): Loose {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : {}
}

function ids(values: unknown[]): string[] {
  return [...new Set(values.map(text).filter((id): id is string => id !== undefined))]
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

const ACTS = new Set(['order.paid', 'order.refunded', 'subscription.revoked'])

/** What a verified Polar event says: who (the customer), which product and prices. Pure. */
export function mapPolarEvent(webhookId: string, payload: PolarPayload): Delivery {
  const data = record(payload.data)
  const occurredAt = Date.parse(text(payload.timestamp) ?? '')
  const base = {
    source: 'polar' as const,
    eventId: webhookId,
    // Standard Webhooks signs `webhook-id.timestamp.body`: the id cannot come with another body.
    idSigned: true as const,
    eventType: payload.type,
    ...(Number.isFinite(occurredAt) ? { occurredAt } : {}),
  }
  if (!ACTS.has(payload.type)) return { ...base, skip: `event ${payload.type} does not invite anyone`, recipient: null, facts: { source: 'polar', event: payload.type } }

  const customer = record(data.customer)
  const email = text(customer.email)
  const name = text(customer.name)
  const subject = text(customer.id) ?? text(data.customer_id)
  // Orders list their prices on line items; subscriptions list them directly.
  const prices = payload.type.startsWith('order.') ? list(data.items).map((item) => record(item).product_price_id) : list(data.prices).map((price) => record(price).id)
  const polar: PolarFacts = { products: ids([data.product_id]), prices: ids(prices) }
  return {
    ...base,
    // Polar sends order.refunded for partial refunds too; taking roles away for those would surprise everyone.
    ...(payload.type === 'order.refunded' && data.status === 'partially_refunded' ? { skip: 'the order was only partly refunded' } : {}),
    recipient: email ? { kind: 'email', email } : null,
    ...(subject ? { subject } : {}),
    ...(name ? { data: { full_name: name } } : {}),
    facts: { source: 'polar', event: payload.type, polar },
  }
}

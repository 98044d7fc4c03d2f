import type { Delivery } from '../../core/domain/delivery.ts'
import type { ShopifyFacts, ShopifyItem } from './catalogue.ts'

type Loose = Record<string, any>

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined
}

/** Shopify ids arrive as JSON numbers (or digit strings, when too large for one): rules name them as digit strings. */
function id(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value)
  return typeof value === 'string' && /^\d+$/.test(value) ? value : undefined
}

function record(value: unknown): Loose {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : {}
}

function items(lines: unknown): ShopifyItem[] {
  return (Array.isArray(lines) ? (lines as Loose[]) : []).map((line) => {
    const product = id(line?.product_id)
    const variant = id(line?.variant_id)
    return { ...(product ? { product } : {}), ...(variant ? { variant } : {}) }
  })
}

/** What a verified Shopify delivery says: who, which products, whether it is a test. Pure. */
// The time comes from the signed body: X-Shopify-Triggered-At is a header nobody signs.
export function mapShopifyEvent(topic: string, webhookId: string, payload: Loose): Delivery {
  const occurredAt = Date.parse(text(payload.processed_at) ?? text(payload.created_at) ?? '')
  const base = { source: 'shopify' as const, eventId: webhookId, eventType: topic, ...(Number.isFinite(occurredAt) ? { occurredAt } : {}) }
  const facts = (shopify: ShopifyFacts) => ({ source: 'shopify' as const, event: topic, shopify })

  switch (topic) {
    case 'orders/paid': {
      const customer = record(payload.customer)
      const email = text(payload.email) ?? text(payload.contact_email) ?? text(customer.email)
      const name = [text(customer.first_name), text(customer.last_name)].filter(Boolean).join(' ')
      const subject = id(customer.id)
      return {
        ...base,
        recipient: email ? { kind: 'email', email } : null,
        ...(subject ? { subject } : {}),
        ...(name ? { data: { full_name: name } } : {}),
        facts: facts({ items: items(payload.line_items), ...(typeof payload.test === 'boolean' ? { test: payload.test } : {}) }),
      }
    }
    case 'refunds/create': {
      // A refund carries its order's id and lines, not the buyer: the order is read from the Admin API.
      const order = id(payload.order_id)
      const transactions = Array.isArray(payload.transactions) ? (payload.transactions as Loose[]) : []
      const refunded = (Array.isArray(payload.refund_line_items) ? (payload.refund_line_items as Loose[]) : []).map((line) => line?.line_item)
      return {
        ...base,
        // Shopify says nothing of full or partial; a refund of shipping or of an amount alone gives back no purchase.
        ...(refunded.length ? {} : { skip: 'the refund returns no purchased item (shipping or an amount only)' }),
        recipient: order ? { kind: 'account', account: order } : null,
        facts: facts({ items: items(refunded), ...(transactions.length ? { test: transactions.some((entry) => entry?.test === true) } : {}) }),
      }
    }
    default:
      return { ...base, skip: `topic ${topic} does not invite anyone`, recipient: null, facts: { source: 'shopify', event: topic } }
  }
}

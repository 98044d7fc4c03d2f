import { randomInt } from 'node:crypto'
import type { SampleOptions, SamplePayload } from '../sender.ts'
import { readSample, sampleAccountNumber } from '../sample-ids.ts'

/** A body from ./samples (Shopify's reference examples, see samples/SOURCES.md), fresh each call. */
const sample = (file: string) => readSample(new URL('./samples/', import.meta.url), file)

/** A new 13-digit id, the size of today's Shopify ids (and safe as a JSON number). */
function freshId(): number {
  return randomInt(1_000_000_000_000, 9_000_000_000_000)
}

export const shopifySamples: Record<string, (options: SampleOptions) => SamplePayload> = {
  'orders/paid': (options) => {
    if (options.email === undefined) throw new Error('--email is required for orders/paid')
    const order = sample('orders.paid')
    order.id = freshId()
    order.admin_graphql_api_id = `gid://shopify/Order/${order.id}`
    order.line_items[0].id = freshId()
    order.processed_at = new Date().toISOString()
    order.email = order.contact_email = order.customer.email = options.email
    order.customer.id = sampleAccountNumber(options.email)
    order.customer.admin_graphql_api_id = `gid://shopify/Customer/${order.customer.id}`
    if (options.name !== undefined) {
      const [first, ...rest] = options.name.trim().split(/\s+/)
      order.customer.first_name = first ?? ''
      order.customer.last_name = rest.join(' ')
    }
    return { eventName: 'orders/paid', payload: order }
  },
  // Names only its order: the bridge reads the buyer from the Admin API (SHOPIFY_ADMIN_TOKEN).
  'refunds/create': () => {
    const refund = sample('refunds.create')
    refund.id = freshId()
    refund.processed_at = new Date().toISOString()
    return { eventName: 'refunds/create', payload: refund }
  },
}

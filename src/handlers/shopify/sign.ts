import { randomUUID } from 'node:crypto'
import { jsonPost, type SamplePayload, type SignedDelivery } from '../sender.ts'
import { shopifyHmac } from './signature.ts'

const SAMPLE_SHOP = 'invite-bridge-test.myshopify.com'

/** Headers as Shopify sends them; the webhook id is what stays the same on a retry of this delivery. */
export function signShopify(sample: SamplePayload, secret: string, options: { now?: number; deliveryId?: string } = {}): SignedDelivery {
  if (!sample.eventName) throw new Error('name the Shopify topic (e.g. orders/paid): Shopify sends it in X-Shopify-Topic, not in the body')
  const body = JSON.stringify(sample.payload)
  return jsonPost('/webhooks/shopify', body, {
    'x-shopify-topic': sample.eventName,
    'x-shopify-hmac-sha256': shopifyHmac(body, secret),
    'x-shopify-shop-domain': SAMPLE_SHOP,
    'x-shopify-api-version': '2026-07',
    'x-shopify-webhook-id': options.deliveryId ?? randomUUID(),
    'x-shopify-event-id': randomUUID(),
    'x-shopify-triggered-at': new Date(options.now ?? Date.now()).toISOString(),
    'user-agent': 'Shopify-Captain-Hook',
  })
}

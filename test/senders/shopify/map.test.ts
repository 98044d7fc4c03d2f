import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/core/domain/errors.ts'
import { shopifySender } from '../../../src/handlers/shopify/index.ts'
import { mapShopifyEvent } from '../../../src/handlers/shopify/map.ts'
import { shopifyHmac } from '../../../src/handlers/shopify/signature.ts'
import { verifyShopifyDelivery } from '../../../src/handlers/shopify/verify.ts'
import { sampleAccountNumber } from '../../../src/handlers/sample-ids.ts'

const order = () => shopifySender.samples['orders/paid']!({ email: 'ann@example.com' }).payload

describe('mapShopifyEvent', () => {
  it("a paid order: the order's email, the customer id as subject, product and variant ids as digit strings, the test flag", () => {
    const payload = order()
    expect(mapShopifyEvent('orders/paid', 'w-1', payload)).toMatchObject({
      source: 'shopify',
      eventId: 'w-1',
      eventType: 'orders/paid',
      recipient: { kind: 'email', email: 'ann@example.com' },
      // `send` gives each address its own customer, as a shop keeps one per buyer.
      subject: String(sampleAccountNumber('ann@example.com')),
      data: { full_name: 'John Smith' },
      facts: { shopify: { items: [{ product: '632910392', variant: '808950810' }], test: true } },
    })
  })

  it('falls back to contact_email, then the customer email', () => {
    const payload = order()
    payload.email = null
    payload.contact_email = 'contact@example.com'
    expect(mapShopifyEvent('orders/paid', 'w', payload).recipient).toEqual({ kind: 'email', email: 'contact@example.com' })
    payload.contact_email = ''
    payload.customer.email = 'customer@example.com'
    expect(mapShopifyEvent('orders/paid', 'w', payload).recipient).toEqual({ kind: 'email', email: 'customer@example.com' })
  })

  it('a refund names its order, for the Admin API to say who bought it; one that returns no item counts for nothing', () => {
    const refund = shopifySender.samples['refunds/create']!({}).payload
    const shippingOnly = { ...refund, refund_line_items: [] }
    expect(mapShopifyEvent('refunds/create', 'w', shippingOnly).skip).toBe('the refund returns no purchased item (shipping or an amount only)')
    expect(mapShopifyEvent('refunds/create', 'w', refund)).toMatchObject({
      recipient: { kind: 'account', account: '450789469' },
      facts: { shopify: { items: [{ product: '632910392', variant: '49148385' }], test: true } },
    })
  })

  it('keeps every digit of ids beyond 2^53, as Shopify wrote them', () => {
    const secret = randomBytes(16).toString('hex')
    const body = '{"email":"ann@example.com","customer":{"id":115310627314723954},"line_items":[{"product_id":788032119674292922,"variant_id":642667041472713922}]}'
    const headers = new Headers({ 'x-shopify-topic': 'orders/paid', 'x-shopify-webhook-id': 'w-big', 'x-shopify-hmac-sha256': shopifyHmac(body, secret) })
    const { topic, webhookId, payload } = verifyShopifyDelivery({ rawBody: body, headers, now: Date.now() }, [secret])
    expect(mapShopifyEvent(topic, webhookId, payload)).toMatchObject({
      subject: '115310627314723954',
      facts: { shopify: { items: [{ product: '788032119674292922', variant: '642667041472713922' }] } },
    })
  })
})

describe('Shopify settings', () => {
  it('an Admin API token needs the shop it belongs to', () => {
    const token = `shpat_${randomBytes(8).toString('hex')}`
    expect(() => shopifySender.readSettings({ SHOPIFY_ADMIN_TOKEN: token })).toThrow(ConfigError)
    expect(() => shopifySender.readSettings({ SHOPIFY_ADMIN_TOKEN: token, SHOPIFY_SHOP: 'https://acme.com' })).toThrow(/SHOPIFY_SHOP/)
    expect(shopifySender.readSettings({ SHOPIFY_ADMIN_TOKEN: token, SHOPIFY_SHOP: 'acme.myshopify.com' }).api).toMatchObject({ shopUrl: 'https://acme.myshopify.com' })
    expect(shopifySender.readSettings({}).api).toBeNull()
  })
})

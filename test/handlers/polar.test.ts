import { randomBytes, randomUUID } from 'node:crypto'
import { webhooks } from '@polar-sh/sdk/2026-10'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { mapPolarEvent } from '../../src/handlers/polar/map.ts'
import { polarSender } from '../../src/handlers/polar/index.ts'
import { verifyPolarEvent } from '../../src/handlers/polar/verify.ts'

/** A secret as Polar's dashboard shows it. */
const polarSecret = () => `whsec_${randomBytes(32).toString('base64')}`

function receive(body: string, headers: Record<string, string>, secrets: string[]) {
  return verifyPolarEvent({ rawBody: body, headers: new Headers(headers), now: Date.now() }, { secrets, toleranceSeconds: 300 })
}

describe("the Polar signer and verifier agree with Polar's SDK", () => {
  it.each(Object.keys(polarSender.samples))("validateEvent accepts what polarSender.sign makes for %s, and only under that secret", async (event) => {
    const secret = polarSecret()
    const { init, path } = polarSender.sign(polarSender.samples[event]!({ email: 'ann@example.com' }), secret)
    expect(path).toBe('/webhooks/polar')
    expect((await webhooks.validateEvent(init.body, init.headers, secret)).type).toBe(event)
    await expect(webhooks.validateEvent(init.body, init.headers, polarSecret())).rejects.toBeInstanceOf(webhooks.PolarWebhookVerificationError)
  })

  // Polar signs an endpoint one of two ways (its `uses_standard_webhook_signature`); the SDK accepts both, and so must we.
  it.each([
    ['Standard Webhooks: the base64 after whsec_', (secret: string) => new Webhook(secret)],
    ["Polar's original: the whole secret's UTF-8 bytes", (secret: string) => new Webhook(secret, { format: 'raw' })],
  ])('accepts a body Polar keyed the %s way, as the SDK does', async (_, signer) => {
    const secret = polarSecret()
    const sample = polarSender.samples['order.paid']!({ email: 'ann@example.com' })
    const body = JSON.stringify(sample.payload)
    const id = randomUUID()
    const at = new Date()
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signer(secret).sign(id, at, body) }
    expect((await webhooks.validateEvent(body, headers, secret)).type).toBe('order.paid')
    expect(receive(body, headers, [secret]).webhookId).toBe(id)
    expect(() => receive(body, headers, [polarSecret()])).toThrow(/does not match any configured POLAR_WEBHOOK_SECRET/)
  })
})

describe('mapPolarEvent', () => {
  const sample = (event: string) => polarSender.samples[event]!({ email: 'Ann.Buyer@example.com', name: 'Ann Buyer' }).payload as { type: string; timestamp: string; data: any }

  it('order.paid: the customer, their Polar id as the subject, the product and the line items’ prices', () => {
    const payload = sample('order.paid')
    expect(mapPolarEvent('wh_1', payload)).toMatchObject({
      source: 'polar',
      eventId: 'wh_1',
      eventType: 'order.paid',
      occurredAt: Date.parse(payload.timestamp),
      recipient: { kind: 'email', email: 'Ann.Buyer@example.com' },
      subject: payload.data.customer.id,
      data: { full_name: 'Ann Buyer' },
      facts: { source: 'polar', event: 'order.paid', polar: { products: [payload.data.product_id], prices: [payload.data.items[0].product_price_id] } },
    })
  })

  it('subscription.revoked: the prices are the subscription’s own', () => {
    const payload = sample('subscription.revoked')
    const delivery = mapPolarEvent('wh_2', payload)
    expect(delivery.skip).toBeUndefined()
    expect(delivery.facts.polar).toEqual({ products: [payload.data.product_id], prices: [payload.data.prices[0].id] })
  })

  it('takes the subject from customer_id when the customer object is missing, and has no recipient then', () => {
    const payload = sample('order.paid')
    delete payload.data.customer
    expect(mapPolarEvent('wh_3', payload)).toMatchObject({ recipient: null, subject: payload.data.customer_id })
  })

  it('skips a partial refund and acts on a full one', () => {
    const payload = sample('order.refunded')
    expect(mapPolarEvent('wh_4', payload).skip).toBeUndefined()
    payload.data.status = 'partially_refunded'
    expect(mapPolarEvent('wh_5', payload).skip).toBe('the order was only partly refunded')
  })

  it('skips events that act on no one', () => {
    expect(mapPolarEvent('wh_6', { type: 'checkout.created', data: {} })).toMatchObject({ skip: 'event checkout.created does not invite anyone', recipient: null })
  })
})

import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStripeApi } from '../../src/handlers/stripe/api.ts'
import { serveStripeApi } from '../helpers/stripe-api.ts'

describe('Stripe API reads, through the stripe SDK pointed at a double on 127.0.0.1', () => {
  const key = `rk_test_${randomBytes(12).toString('hex')}`
  let double: Awaited<ReturnType<typeof serveStripeApi>>
  beforeAll(async () => {
    double = await serveStripeApi(key, {
      lineItems: { cs_test_1: [{ price: 'price_pro', product: 'prod_pro' }, { price: 'price_addon', product: 'prod_addon' }] },
      customers: { cus_1: { email: 'ann@example.com', name: 'Ann' } },
    })
  })
  afterAll(() => double.close())

  const api = () => createStripeApi({ secretKey: key, apiUrl: double.url, timeoutMs: 2000 })

  it('lists a checkout session line items as price and product ids', async () => {
    expect(await api().checkoutLineItems('cs_test_1')).toEqual([
      { price: 'price_pro', product: 'prod_pro' },
      { price: 'price_addon', product: 'prod_addon' },
    ])
    expect(double.requests).toContain('GET /v1/checkout/sessions/cs_test_1/line_items')
  })

  it('reads a customer email, and null for an unknown customer', async () => {
    expect(await api().customer('cus_1')).toEqual({ email: 'ann@example.com', name: 'Ann' })
    expect(await api().customer('cus_missing')).toBeNull()
  })

  it('turns a rejected key into a 503 naming STRIPE_SECRET_KEY', async () => {
    const wrong = createStripeApi({ secretKey: 'rk_test_wrong', apiUrl: double.url, timeoutMs: 2000 })
    await expect(wrong.customer('cus_1')).rejects.toMatchObject({ status: 503, code: 'stripe_auth_failed', message: expect.stringContaining('STRIPE_SECRET_KEY') })
  })

  it('turns an unreachable API into a retryable 502', async () => {
    const down = createStripeApi({ secretKey: key, apiUrl: 'http://127.0.0.1:9', timeoutMs: 500 })
    await expect(down.checkoutLineItems('cs_test_1')).rejects.toMatchObject({ status: 502 })
  })
})

import { randomBytes } from 'node:crypto'
import Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStripeApi } from '../../src/handlers/stripe/api.ts'
import { serveStripeApi } from '../helpers/stripe-api.ts'

describe('Stripe API reads, over fetch against a double on 127.0.0.1', () => {
  const key = `rk_test_${randomBytes(12).toString('hex')}`
  const manyLines = Array.from({ length: 250 }, (_, index) => ({ price: `price_${index}`, product: `prod_${index}` }))
  let double: Awaited<ReturnType<typeof serveStripeApi>>
  beforeAll(async () => {
    double = await serveStripeApi(key, {
      lineItems: { cs_test_many: manyLines, cs_test_1: [{ price: 'price_pro', product: 'prod_pro' }, { price: 'price_addon', product: 'prod_addon' }] },
      customers: { cus_1: { email: 'ann@example.com', name: 'Ann' }, cus_gone: { deleted: true } },
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

  it('follows has_more through every page of line items', async () => {
    const before = double.requests.length
    expect(await api().checkoutLineItems('cs_test_many')).toEqual(manyLines)
    expect(double.requests.slice(before)).toEqual(Array(3).fill('GET /v1/checkout/sessions/cs_test_many/line_items'))
  })

  it('answers null for a deleted customer', async () => {
    expect(await api().customer('cus_gone')).toBeNull()
  })

  it('puts ids into the path encoded, so an id cannot walk to another resource', async () => {
    expect(await api().customer('cus_missing/../cus_1')).toBeNull()
  })

  it('asks for the API version the installed stripe package pins, whose shapes the mapping reads', async () => {
    const versions: Array<string | null> = []
    const recording: typeof fetch = (input, init) => {
      versions.push(new Headers(init?.headers).get('stripe-version'))
      return fetch(input, init)
    }
    await createStripeApi({ secretKey: key, apiUrl: double.url, timeoutMs: 2000 }, recording).customer('cus_1')
    expect(versions).toEqual([Stripe.API_VERSION])
  })

  it('retries once after a dropped connection', async () => {
    let calls = 0
    const dropsFirst: typeof fetch = (input, init) => (++calls === 1 ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init))
    const api = createStripeApi({ secretKey: key, apiUrl: double.url, timeoutMs: 2000 }, dropsFirst)
    expect(await api.customer('cus_1')).toEqual({ email: 'ann@example.com', name: 'Ann' })
    expect(calls).toBe(2)
  })

  it('turns a rate limit into a 503 the provider will retry', async () => {
    const limited: typeof fetch = async () =>
      Response.json({ error: { message: 'Too many requests hit the API too quickly.', type: 'invalid_request_error', code: 'rate_limit' } }, { status: 429 })
    const api = createStripeApi({ secretKey: key, apiUrl: double.url, timeoutMs: 2000 }, limited)
    await expect(api.checkoutLineItems('cs_test_1')).rejects.toMatchObject({ status: 503, code: 'stripe_rate_limited' })
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

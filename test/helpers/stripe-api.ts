import { Hono, type Context } from 'hono'
import { listen } from '../../src/local/listen.ts'

export interface StripeDoubleData {
  /** Checkout Session id → its line items as `{ price, product }` ids. */
  lineItems?: Record<string, Array<{ price: string; product: string; quantity?: number }>>
  /** `{ deleted: true }` answers as Stripe does for a deleted customer: 200 with a stub. */
  customers?: Record<string, { email: string | null; name?: string | null } | { deleted: true }>
  /** Charge id → who paid it: the billing and receipt addresses, and the customer. */
  charges?: Record<string, { billingEmail?: string | null; receiptEmail?: string | null; name?: string | null; customer?: string | null }>
}

/**
 * Stripe's API for the reads the bridge makes (line items, customers, charges), on 127.0.0.1, in the shapes
 * and errors of Stripe's API reference. It checks the secret key like Stripe does.
 */
export async function serveStripeApi(secretKey: string, data: StripeDoubleData) {
  const requests: string[] = []
  let failWith: number | undefined
  const app = new Hono()
  const unauthorized = (c: Context) =>
    c.json({ error: { message: 'Invalid API Key provided: sk_test_****', type: 'invalid_request_error' } }, 401)
  const missing = (c: Context, kind: string, id: string) =>
    c.json({ error: { code: 'resource_missing', message: `No such ${kind}: '${id}'`, param: 'id', type: 'invalid_request_error' } }, 404)

  app.use(async (c, next) => {
    requests.push(`${c.req.method} ${c.req.path}`)
    // Stripe's own shape for an outage on its side.
    if (failWith) return c.json({ error: { message: 'An unknown error occurred', type: 'api_error' } }, failWith as 500)
    if (c.req.header('authorization') !== `Bearer ${secretKey}`) return unauthorized(c)
    await next()
  })
  app.get('/v1/checkout/sessions/:id/line_items', (c) => {
    const id = c.req.param('id')
    const items = data.lineItems?.[id]
    if (!items) return missing(c, 'checkout.session', id)
    // Stripe pages lists: `limit` (default 10, at most 100) items after `starting_after`.
    const limit = Math.min(Number(c.req.query('limit') ?? 10), 100)
    const after = c.req.query('starting_after')
    const lines = items.map((line, index) => ({
      id: `li_${index}${id.slice(-8)}`,
      object: 'item',
      amount_discount: 0,
      amount_subtotal: 1500,
      amount_tax: 0,
      amount_total: 1500,
      currency: 'usd',
      description: 'Plan',
      price: { id: line.price, object: 'price', active: true, currency: 'usd', product: line.product, type: 'one_time', unit_amount: 1500 },
      quantity: line.quantity ?? 1,
    }))
    const start = after ? lines.findIndex((line) => line.id === after) + 1 : 0
    return c.json({
      object: 'list',
      data: lines.slice(start, start + limit),
      has_more: start + limit < lines.length,
      url: `/v1/checkout/sessions/${id}/line_items`,
    })
  })
  app.get('/v1/customers/:id', (c) => {
    const id = c.req.param('id')
    const customer = data.customers?.[id]
    if (!customer) return missing(c, 'customer', id)
    if ('deleted' in customer) return c.json({ id, object: 'customer', deleted: true })
    return c.json({ id, object: 'customer', email: customer.email, name: customer.name ?? null, livemode: false, metadata: {} })
  })

  app.get('/v1/charges/:id', (c) => {
    const id = c.req.param('id')
    const charge = data.charges?.[id]
    if (!charge) return missing(c, 'charge', id)
    return c.json({
      id,
      object: 'charge',
      amount: 1500,
      amount_refunded: 0,
      billing_details: { address: null, email: charge.billingEmail ?? null, name: charge.name ?? null, phone: null, tax_id: null },
      customer: charge.customer ?? null,
      livemode: false,
      metadata: {},
      paid: true,
      receipt_email: charge.receiptEmail ?? null,
      refunded: false,
      status: 'succeeded',
    })
  })

  const { port, close } = await listen(app.fetch, { hostname: '127.0.0.1', port: 0 })
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** Every request answers this status (a 5xx: Stripe is down) until called with undefined. */
    fail(status: number | undefined) {
      failWith = status
    },
    close,
  }
}

import { randomUUID } from 'node:crypto'
import { Hono, type Context } from 'hono'
import { listen } from '../../src/local/listen.ts'

export interface PaddleDoubleData {
  customers?: Record<string, { email: string; name?: string | null }>
  /** Transaction id → its items as `{ price, product }` ids. */
  transactions?: Record<string, Array<{ price: string; product: string }>>
}

/**
 * Paddle's API for the two reads the bridge makes, on 127.0.0.1, in the
 * shapes of Paddle's API reference (`{ data, meta }`, errors as
 * `{ error: { type, code, detail } }`). It checks the bearer key like Paddle does.
 */
export async function servePaddleApi(apiKey: string, data: PaddleDoubleData) {
  const requests: string[] = []
  const app = new Hono()
  const meta = () => ({ request_id: randomUUID() })
  const error = (c: Context, status: 401 | 404, code: string, detail: string) =>
    c.json({ error: { type: 'request_error', code, detail, documentation_url: `https://developer.paddle.com/errors/shared/${code}` }, meta: meta() }, status)

  app.use(async (c, next) => {
    requests.push(`${c.req.method} ${c.req.path}`)
    if (c.req.header('authorization') !== `Bearer ${apiKey}`) return error(c, 401, 'authentication_malformed', 'Authentication header included, but incorrectly formatted')
    await next()
  })
  app.get('/customers/:id', (c) => {
    const id = c.req.param('id')
    const customer = data.customers?.[id]
    if (!customer) return error(c, 404, 'entity_not_found', `Entity ${id} not found`)
    return c.json({
      data: {
        id,
        name: customer.name ?? null,
        email: customer.email,
        marketing_consent: false,
        status: 'active',
        custom_data: null,
        locale: 'en',
        created_at: '2024-04-11T15:57:24.813Z',
        updated_at: '2024-04-11T15:57:24.813Z',
        import_meta: null,
      },
      meta: meta(),
    })
  })
  app.get('/transactions/:id', (c) => {
    const id = c.req.param('id')
    const items = data.transactions?.[id]
    if (!items) return error(c, 404, 'entity_not_found', `Entity ${id} not found`)
    return c.json({
      data: {
        id,
        status: 'completed',
        items: items.map((item) => ({ price_id: item.price, price: { id: item.price, product_id: item.product, description: 'Plan', status: 'active' }, quantity: 1 })),
      },
      meta: meta(),
    })
  })

  const { port, close } = await listen(app.fetch, { hostname: '127.0.0.1', port: 0 })
  return { url: `http://127.0.0.1:${port}`, requests, close }
}

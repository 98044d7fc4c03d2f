import { Hono } from 'hono'
import { listen } from '../../src/local/listen.ts'

export interface ShopifyDoubleData {
  /** Order id (digits) → the order's email and buyer. */
  orders?: Record<string, { email: string | null; firstName?: string; lastName?: string }>
}

/**
 * Shopify's GraphQL Admin API for the one query the bridge makes (an
 * order's buyer), on 127.0.0.1. It checks X-Shopify-Access-Token as Shopify
 * does and answers in its shapes: `{ data: { order } }`, null for an unknown order.
 */
export async function serveShopifyAdminApi(adminToken: string, data: ShopifyDoubleData) {
  const requests: Array<{ path: string; variables: Record<string, unknown> }> = []
  const app = new Hono()
  app.post('/admin/api/:version/graphql.json', async (c) => {
    const body = (await c.req.json()) as { query: string; variables: { id: string } }
    requests.push({ path: c.req.path, variables: body.variables })
    if (c.req.header('x-shopify-access-token') !== adminToken) {
      return c.json({ errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' }, 401)
    }
    const id = /^gid:\/\/shopify\/Order\/(\d+)$/.exec(body.variables?.id ?? '')?.[1]
    const order = id ? data.orders?.[id] : undefined
    return c.json({
      data: { order: order ? { email: order.email, customer: { firstName: order.firstName ?? null, lastName: order.lastName ?? null } } : null },
      extensions: { cost: { requestedQueryCost: 2, actualQueryCost: 2, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1998, restoreRate: 100 } } },
    })
  })
  const { port, close } = await listen(app.fetch, { hostname: '127.0.0.1', port: 0 })
  return { url: `http://127.0.0.1:${port}`, requests, close }
}

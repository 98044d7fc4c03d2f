import { UpstreamError } from '../../core/domain/errors.ts'
import type { DirectoryEntry } from '../../core/domain/facts.ts'

export interface ShopifyApiSettings {
  /** An Admin API access token with read_orders. */
  adminToken: string
  /** https://<shop>.myshopify.com (SHOPIFY_API_URL overrides it, for a stand-in). */
  shopUrl: string
  /** The Admin API version the query is written for. */
  apiVersion: string
  timeoutMs: number
}

const ORDER_BUYER = `query OrderBuyer($id: ID!) {
  order(id: $id) { email customer { firstName lastName } }
}`

/**
 * An order's buyer, read with one GraphQL Admin API query (Shopify's REST
 * Admin API is legacy). A missing order is a value (null); a throttled or
 * failing shop throws, so the refund is answered non-2xx and retried.
 */
export function createShopifyOrderReader(settings: ShopifyApiSettings, doFetch: typeof fetch = fetch) {
  return async function orderBuyer(orderId: string): Promise<DirectoryEntry | null> {
    const url = `${settings.shopUrl}/admin/api/${settings.apiVersion}/graphql.json`
    let response: Response
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-shopify-access-token': settings.adminToken, 'user-agent': 'invite-bridge' },
        body: JSON.stringify({ query: ORDER_BUYER, variables: { id: `gid://shopify/Order/${orderId}` } }),
        signal: AbortSignal.timeout(settings.timeoutMs),
      })
    } catch (error) {
      throw new UpstreamError(502, 'shopify_api_failed', `Shopify Admin API did not answer while reading the refunded order (${settings.shopUrl})`, { cause: error })
    }
    if (response.status === 401 || response.status === 403) {
      throw new UpstreamError(503, 'shopify_auth_failed', 'Shopify rejected SHOPIFY_ADMIN_TOKEN while reading the refunded order (it needs read_orders)')
    }
    const body = (await response.json().catch(() => null)) as { data?: { order?: Record<string, any> | null }; errors?: Array<{ extensions?: { code?: string } }> } | null
    const throttled = response.status === 429 || body?.errors?.some((error) => error.extensions?.code === 'THROTTLED')
    if (throttled) throw new UpstreamError(503, 'shopify_rate_limited', 'Shopify is throttling us while reading the refunded order')
    if (!response.ok || !body || body.errors?.length || !body.data) {
      throw new UpstreamError(502, 'shopify_api_failed', `Shopify Admin API failed while reading the refunded order (${response.status})`)
    }
    const order = body.data.order
    if (!order) return null
    const name = [order.customer?.firstName, order.customer?.lastName].filter((part) => typeof part === 'string' && part.trim()).join(' ')
    return { email: typeof order.email === 'string' && order.email ? order.email : null, name: name || null }
  }
}

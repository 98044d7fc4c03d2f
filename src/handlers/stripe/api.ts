import type Stripe from 'stripe'
import { UpstreamError } from '../../core/domain/errors.ts'
import type { DirectoryEntry, PurchasedItem } from '../../core/domain/facts.ts'
import { itemsFromLineItems } from './items.ts'

export interface StripeApiSettings {
  /** A restricted, read-only key is enough: Checkout Sessions and Customers, read. */
  secretKey: string
  apiUrl: string
  timeoutMs: number
}

/** The two reads rules may need that Stripe's events leave out. */
export interface StripeApi {
  checkoutLineItems(sessionId: string): Promise<PurchasedItem[]>
  customer(customerId: string): Promise<DirectoryEntry | null>
  /** Who paid a charge: its billing or receipt address, else its customer's. */
  chargePayer(chargeId: string): Promise<DirectoryEntry | null>
}

/**
 * The API version the installed stripe package pins, so answers have the
 * shapes its types (used below) describe; tsc fails here when the package moves on.
 */
const STRIPE_VERSION: typeof Stripe.API_VERSION = '2026-10-28.endive'
/** The SDK's autoPagingToArray ceiling: no real checkout comes near it. */
const MAX_LINE_ITEMS = 10_000

/** Plain fetch against Stripe's REST API: the SDK would put ~800 KiB into the function bundle for two GETs. */
export function createStripeApi(settings: StripeApiSettings, doFetch: typeof fetch = fetch): StripeApi {
  const base = settings.apiUrl.replace(/\/+$/, '')

  async function get(path: string, doing: string): Promise<Response> {
    const attempt = () =>
      doFetch(`${base}${path}`, {
        headers: { authorization: `Bearer ${settings.secretKey}`, 'stripe-version': STRIPE_VERSION },
        signal: AbortSignal.timeout(settings.timeoutMs),
      })
    try {
      // One retry after a dropped connection or a 5xx, as the SDK's maxNetworkRetries: 1
      // did; not after a timeout, so the wait stays bounded by the setting.
      const first = await attempt().catch((error: unknown) => {
        if (isTimeout(error)) throw error
        return undefined
      })
      if (first && first.status < 500) return first
      await first?.body?.cancel()
      return await attempt()
    } catch (error) {
      throw asUpstream(undefined, doing, error)
    }
  }

  async function json<T>(response: Response, doing: string): Promise<T> {
    const body: unknown = await response.json().catch(() => undefined)
    if (!response.ok || body === undefined) {
      const message = (body as { error?: { message?: string } } | undefined)?.error?.message
      throw asUpstream(response.status, doing, new Error(message ?? `HTTP ${response.status}`))
    }
    return body as T
  }

  async function readCustomer(customerId: string): Promise<DirectoryEntry | null> {
    const doing = 'reading the customer'
    const response = await get(`/v1/customers/${encodeURIComponent(customerId)}`, doing)
    if (response.status === 404) return null
    const customer = await json<Stripe.Customer | Stripe.DeletedCustomer>(response, doing)
    if (customer.deleted) return null
    return { email: customer.email ?? null, name: customer.name ?? null }
  }

  return {
    async checkoutLineItems(sessionId) {
      const doing = 'reading the checkout line items'
      const lines: Stripe.LineItem[] = []
      let after: string | undefined
      do {
        const query = new URLSearchParams({ limit: '100', ...(after ? { starting_after: after } : {}) })
        const path = `/v1/checkout/sessions/${encodeURIComponent(sessionId)}/line_items?${query}`
        const page = await json<Stripe.ApiList<Stripe.LineItem>>(await get(path, doing), doing)
        lines.push(...page.data)
        after = page.has_more ? page.data.at(-1)?.id : undefined
      } while (after && lines.length < MAX_LINE_ITEMS)
      return itemsFromLineItems(lines.slice(0, MAX_LINE_ITEMS))
    },
    customer: readCustomer,
    async chargePayer(chargeId) {
      const doing = 'reading the charge'
      const response = await get(`/v1/charges/${encodeURIComponent(chargeId)}`, doing)
      if (response.status === 404) return null
      const charge = await json<Stripe.Charge>(response, doing)
      const email = charge.billing_details?.email ?? charge.receipt_email ?? null
      if (email) return { email, name: charge.billing_details?.name ?? null }
      const customer = typeof charge.customer === 'string' ? charge.customer : charge.customer?.id
      return customer ? readCustomer(customer) : null
    },
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
}

function asUpstream(status: number | undefined, doing: string, cause: unknown): UpstreamError {
  if (status === 401 || status === 403) {
    return new UpstreamError(503, 'stripe_auth_failed', `Stripe rejected STRIPE_SECRET_KEY while ${doing} (it needs read access)`, { cause })
  }
  if (status === 429) return new UpstreamError(503, 'stripe_rate_limited', `Stripe is rate limiting us while ${doing}`, { cause })
  return new UpstreamError(502, 'stripe_api_failed', `Stripe API failed while ${doing} (${status ?? 'no answer'})`, { cause })
}

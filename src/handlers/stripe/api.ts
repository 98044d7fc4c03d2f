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
}

export function createStripeApi(settings: StripeApiSettings, doFetch: typeof fetch = fetch): StripeApi {
  let client: Promise<import('stripe').default> | undefined
  const stripe = () =>
    (client ??= import('stripe').then(({ default: Stripe }) => {
      const url = new URL(settings.apiUrl)
      return new Stripe(settings.secretKey, {
        host: url.hostname,
        port: url.port || (url.protocol === 'https:' ? 443 : 80),
        protocol: url.protocol === 'https:' ? 'https' : 'http',
        timeout: settings.timeoutMs,
        maxNetworkRetries: 1,
        telemetry: false,
        httpClient: Stripe.createFetchHttpClient(doFetch),
      })
    }))

  return {
    async checkoutLineItems(sessionId) {
      try {
        const lines = await (await stripe()).checkout.sessions.listLineItems(sessionId, { limit: 100 }).autoPagingToArray({ limit: 10_000 })
        return itemsFromLineItems(lines)
      } catch (error) {
        throw asUpstream(error, 'reading the checkout line items')
      }
    },
    async customer(customerId) {
      try {
        const customer = await (await stripe()).customers.retrieve(customerId)
        if ('deleted' in customer && customer.deleted) return null
        return { email: customer.email ?? null, name: customer.name ?? null }
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return null
        throw asUpstream(error, 'reading the customer')
      }
    },
  }
}

function asUpstream(error: unknown, doing: string): UpstreamError {
  const status = (error as { statusCode?: number }).statusCode
  if (status === 401 || status === 403) {
    return new UpstreamError(503, 'stripe_auth_failed', `Stripe rejected STRIPE_SECRET_KEY while ${doing} (it needs read access)`, { cause: error })
  }
  if (status === 429) return new UpstreamError(503, 'stripe_rate_limited', `Stripe is rate limiting us while ${doing}`, { cause: error })
  return new UpstreamError(502, 'stripe_api_failed', `Stripe API failed while ${doing} (${status ?? 'no answer'})`, { cause: error })
}

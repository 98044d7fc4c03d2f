import { UpstreamError } from '../../core/domain/errors.ts'
import type { DirectoryEntry, PurchasedItem } from '../../core/domain/facts.ts'
import { paddleItems } from './map.ts'

export interface PaddleApiSettings {
  /** A key with read access to customers (and transactions, for refund rules on prices or products). */
  apiKey: string
  /** https://api.paddle.com, or https://sandbox-api.paddle.com with PADDLE_SANDBOX. */
  apiUrl: string
  timeoutMs: number
}

/** The two reads rules may need that Paddle's notifications leave out. */
export interface PaddleApi {
  customer(customerId: string): Promise<DirectoryEntry | null>
  transactionItems(transactionId: string): Promise<PurchasedItem[]>
}

/**
 * Paddle's API over plain fetch: two GETs do not justify loading the SDK
 * (which cannot take a fetch either). Its answers are `{ data, meta }`, its
 * errors `{ error: { type, code, detail } }`.
 */
export function createPaddleApi(settings: PaddleApiSettings, doFetch: typeof fetch = fetch): PaddleApi {
  async function get(path: string, doing: string): Promise<Record<string, any> | null> {
    let response: Response
    try {
      response = await doFetch(`${settings.apiUrl}${path}`, {
        headers: { authorization: `Bearer ${settings.apiKey}`, accept: 'application/json', 'user-agent': 'invite-bridge' },
        signal: AbortSignal.timeout(settings.timeoutMs),
      })
    } catch (error) {
      throw new UpstreamError(502, 'paddle_api_failed', `Paddle API did not answer while ${doing} (${settings.apiUrl})`, { cause: error })
    }
    if (response.status === 404) return null
    if (response.status === 401 || response.status === 403) {
      throw new UpstreamError(503, 'paddle_auth_failed', `Paddle rejected PADDLE_API_KEY while ${doing} (it needs read access to customers and transactions)`)
    }
    if (response.status === 429) {
      const retryAfter = Number(response.headers.get('retry-after'))
      throw new UpstreamError(503, 'paddle_rate_limited', `Paddle is rate limiting us while ${doing}`, Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfter } : {})
    }
    const body = (await response.json().catch(() => null)) as Record<string, any> | null
    if (!response.ok || body === null || typeof body.data !== 'object' || body.data === null) {
      throw new UpstreamError(502, 'paddle_api_failed', `Paddle API failed while ${doing} (${response.status})`)
    }
    return body.data as Record<string, any>
  }

  return {
    async customer(customerId) {
      const customer = await get(`/customers/${encodeURIComponent(customerId)}`, 'reading the customer')
      if (!customer) return null
      return { email: typeof customer.email === 'string' ? customer.email : null, name: typeof customer.name === 'string' ? customer.name : null }
    },
    async transactionItems(transactionId) {
      const transaction = await get(`/transactions/${encodeURIComponent(transactionId)}`, 'reading the refunded transaction')
      return transaction ? paddleItems(transaction.items) : []
    },
  }
}

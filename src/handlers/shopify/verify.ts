import { BadRequestError, SignatureError } from '../../core/domain/errors.ts'
import type { SignedRequest } from '../sender.ts'
import { shopifyHmacMatches } from './signature.ts'
import { parseSignedJson } from '../schemes/signed-json.ts'

/** A verified Shopify delivery: the topic and webhook id from the headers, and the parsed body. */
export interface VerifiedShopifyDelivery {
  topic: string
  /** X-Shopify-Webhook-Id: one per delivery (subscription × event), the same on each retry of it. */
  webhookId: string
  payload: Record<string, unknown>
}

function requiredHeader(headers: Headers, name: string): string {
  const value = headers.get(name)?.trim()
  if (!value) throw new BadRequestError(`Missing ${name} header: is this request from Shopify?`, 'missing_header')
  return value
}

/**
 * Ids beyond 2^53 (Shopify's own doc examples have them) would lose digits
 * in JSON.parse; keep such integers as the digits the shop sent.
 */
function exactIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  return typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && /^\d+$/.test(context.source) ? context.source : value
}

/** Checks the HMAC on the raw body with node:crypto, then the headers, then parses; throws BadRequestError or SignatureError. */
export function verifyShopifyDelivery(request: SignedRequest, secrets: string[]): VerifiedShopifyDelivery {
  const { headers, rawBody } = request
  const hmac = headers.get('x-shopify-hmac-sha256')?.trim()
  if (!hmac) throw new BadRequestError('Missing X-Shopify-Hmac-Sha256 header: is this request from Shopify?', 'missing_signature')
  if (!shopifyHmacMatches(rawBody, hmac, secrets)) {
    throw new SignatureError("Shopify HMAC does not match any configured SHOPIFY_WEBHOOK_SECRET (the app's client secret; is the raw body forwarded unchanged?)")
  }
  const topic = requiredHeader(headers, 'x-shopify-topic')
  const webhookId = requiredHeader(headers, 'x-shopify-webhook-id')
  const payload = parseSignedJson(rawBody, { hint: 'subscribe with format JSON', reviver: exactIntegers as (key: string, value: unknown) => unknown })
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new BadRequestError('Signed body is not a JSON object', 'invalid_json')
  return { topic, webhookId, payload: payload as Record<string, unknown> }
}

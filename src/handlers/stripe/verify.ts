import type { StripeSourceConfig } from '../../core/config/config.ts'
import type { Delivery } from '../../core/domain/delivery.ts'
import { BadRequestError, SignatureError } from '../../core/domain/errors.ts'
import type { SignedRequest, WebhookSource } from '../sender.ts'
import { mapStripeEvent } from './map.ts'
import { verifyStripeSignature } from './signature.ts'

/** The part of a Stripe event the bridge reads. */
export interface StripeEventLike {
  id: string
  type: string
  livemode?: boolean
  data: { object: Record<string, unknown> }
}

/** Verifies `Stripe-Signature` against each secret (rotation), then parses the signed body. */
export async function verifyStripeEvent(request: SignedRequest, settings: StripeSourceConfig): Promise<StripeEventLike> {
  const header = request.headers.get('stripe-signature')
  if (!header) throw new BadRequestError('Missing Stripe-Signature header: is this request from Stripe?', 'missing_signature')

  const verdict = verifyStripeSignature({
    rawBody: request.rawBody,
    header,
    secrets: settings.secrets,
    toleranceSeconds: settings.toleranceSeconds,
    now: request.now,
  })
  if (!verdict.ok) {
    throw new SignatureError(
      verdict.reason === 'stale'
        ? `Stripe signature timestamp is older than ${settings.toleranceSeconds} s: replayed or delayed delivery`
        : 'Stripe signature does not match any configured STRIPE_WEBHOOK_SECRET (is the raw body forwarded unchanged?)',
    )
  }
  try {
    return JSON.parse(request.rawBody) as StripeEventLike
  } catch {
    // The signature matched but the body is not JSON: signed garbage, not a forgery.
    throw new BadRequestError('Signed body is not valid JSON', 'invalid_json')
  }
}

export const stripeSource: WebhookSource<StripeSourceConfig> = {
  name: 'stripe',
  async receive(request, settings): Promise<Delivery> {
    const event = await verifyStripeEvent(request, settings)
    if (event === null || typeof event !== 'object' || typeof event.id !== 'string' || !event.id || typeof event.type !== 'string') {
      throw new BadRequestError('Signed Stripe event has no id or type', 'invalid_event')
    }
    return mapStripeEvent(event)
  },
}

import type { StripeSourceConfig } from '../../core/config/config.ts'
import type { Delivery } from '../../core/domain/delivery.ts'
import { BadRequestError, SignatureError } from '../../core/domain/errors.ts'
import type { SignedRequest, WebhookSource } from '../sender.ts'
import { mapStripeEvent } from './map.ts'

/** The part of a Stripe event the bridge reads. */
export interface StripeEventLike {
  id: string
  type: string
  livemode?: boolean
  data: { object: Record<string, unknown> }
}

/** Verifies `Stripe-Signature` against each secret in turn (rotation), with Stripe's own verifier. */
export async function verifyStripeEvent(request: SignedRequest, settings: StripeSourceConfig): Promise<StripeEventLike> {
  const header = request.headers.get('stripe-signature')
  if (!header) throw new BadRequestError('Missing Stripe-Signature header: is this request from Stripe?', 'missing_signature')
  // Loaded on the first Stripe delivery only (the module loader caches it): the
  // package costs ~40–100 ms to import, which other routes should not pay.
  const { default: Stripe } = await import('stripe')

  let lastError: unknown
  for (const secret of settings.secrets) {
    try {
      const event = await Stripe.webhooks.constructEventAsync(
        request.rawBody,
        header,
        secret,
        settings.toleranceSeconds,
        undefined,
        request.now,
      )
      return event as unknown as StripeEventLike
    } catch (error) {
      // The signature matched but the body is not JSON: signed garbage, not a forgery.
      if (error instanceof SyntaxError) throw new BadRequestError('Signed body is not valid JSON', 'invalid_json')
      lastError = error
    }
  }
  const stale = lastError instanceof Error && /tolerance/i.test(lastError.message)
  throw new SignatureError(
    stale
      ? `Stripe signature timestamp is older than ${settings.toleranceSeconds} s: replayed or delayed delivery`
      : 'Stripe signature does not match any configured STRIPE_WEBHOOK_SECRET (is the raw body forwarded unchanged?)',
    { cause: lastError },
  )
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

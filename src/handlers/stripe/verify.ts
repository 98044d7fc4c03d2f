import { BadRequestError, SignatureError } from '../../core/domain/errors.ts'
import type { SignedRequest } from '../sender.ts'
import type { StripeEventLike } from './map.ts'

export interface StripeVerifySettings {
  secrets: string[]
  /** Oldest accepted signature, in seconds (Stripe's own default is 300). */
  toleranceSeconds: number
}

/** Verifies `Stripe-Signature` against each secret in turn (rotation), with Stripe's own verifier. */
export async function verifyStripeEvent(request: SignedRequest, settings: StripeVerifySettings): Promise<StripeEventLike> {
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

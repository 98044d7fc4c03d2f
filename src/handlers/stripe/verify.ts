import { BadRequestError, SignatureError } from '../../core/domain/errors.ts'
import type { SignedRequest } from '../sender.ts'
import type { StripeEventLike } from './map.ts'
import { verifyStripeSignature } from './signature.ts'

export interface StripeVerifySettings {
  secrets: string[]
  /** Oldest accepted signature, in seconds (Stripe's own default is 300). */
  toleranceSeconds: number
}

/** Verifies `Stripe-Signature` against each secret (rotation), then parses the signed body. */
export async function verifyStripeEvent(request: SignedRequest, settings: StripeVerifySettings): Promise<StripeEventLike> {
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

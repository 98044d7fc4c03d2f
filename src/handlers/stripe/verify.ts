import { BadRequestError, SignatureError } from '../../core/domain/errors.ts'
import type { SignedRequest } from '../sender.ts'
import type { StripeEventLike } from './map.ts'
import { verifyStripeSignature } from './signature.ts'
import { parseSignedJson } from '../schemes/signed-json.ts'

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
  return parseSignedJson(request.rawBody) as StripeEventLike
}

import type { StripeSourceConfig } from '../core/config.ts'
import type { Action, Delivery } from '../core/delivery.ts'
import { BadRequestError, SignatureError } from '../core/errors.ts'
import type { SignedRequest, WebhookSource } from './source.ts'

/** The part of a Stripe event the bridge reads. */
export interface StripeEventLike {
  id: string
  type: string
  livemode?: boolean
  data: { object: Record<string, unknown> }
}

const PAID_SESSION_STATUSES = new Set(['paid', 'no_payment_required'])

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

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value : undefined
}

/** What a verified Stripe event means for the bridge. Pure. */
export function mapStripeEvent(event: StripeEventLike): Action {
  const object = record(event.data?.object) ?? {}
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const status = text(object.payment_status)
      if (!status || !PAID_SESSION_STATUSES.has(status)) {
        return { kind: 'ignore', reason: `checkout session is not paid yet (payment_status: ${status ?? 'missing'})` }
      }
      // customer_details is what the buyer typed at checkout; customer_email is only the prefill.
      const details = record(object.customer_details)
      const email = text(details?.email)
      const name = text(details?.name)
      return {
        kind: 'invite',
        recipient: email ? { kind: 'email', email } : null,
        ...(name ? { data: { full_name: name } } : {}),
      }
    }
    case 'invoice.paid': {
      const email = text(object.customer_email)
      const name = text(object.customer_name)
      return {
        kind: 'invite',
        recipient: email ? { kind: 'email', email } : null,
        ...(name ? { data: { full_name: name } } : {}),
      }
    }
    default:
      return { kind: 'ignore', reason: `event type ${event.type} does not invite anyone` }
  }
}

export const stripeSource: WebhookSource<StripeSourceConfig> = {
  name: 'stripe',
  async receive(request, settings): Promise<Delivery> {
    const event = await verifyStripeEvent(request, settings)
    if (typeof event.id !== 'string' || !event.id || typeof event.type !== 'string') {
      throw new BadRequestError('Signed Stripe event has no id or type', 'invalid_event')
    }
    return { source: 'stripe', eventId: event.id, eventType: event.type, action: mapStripeEvent(event) }
  },
}

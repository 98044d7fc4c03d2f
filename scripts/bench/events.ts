import { stripeEvent } from '../../test/helpers/fixtures.ts'
import { stripeSignature } from '../../test/helpers/signing.ts'

export interface SignedDelivery {
  body: string
  signature: string
}

/**
 * A real checkout.session.completed payload for `email`, under a fresh event
 * id, signed now with `secret`. The customer is new too (named after the
 * event): the fixture's one customer would be linked in the ledger to the
 * first buyer's account from the second delivery on, which is another path.
 */
export async function signedCheckout(id: string, email: string, secret: string): Promise<SignedDelivery> {
  const event = stripeEvent('checkout.session.completed', { id })
  const session = event.data.object as { customer: unknown; customer_details: Record<string, unknown> }
  session.customer = `cus_${id}`
  session.customer_details = { ...session.customer_details, email }
  return resign(JSON.stringify(event), secret)
}

/** The same bytes with a fresh timestamp, so a long run never falls outside Stripe's tolerance. */
export async function resign(body: string, secret: string): Promise<SignedDelivery> {
  return { body, signature: await stripeSignature(body, secret) }
}

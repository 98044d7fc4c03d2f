import { randomUUID } from 'node:crypto'
import type { SampleOptions, SamplePayload } from '../sender.ts'
import { readSample, sampleAccountHex } from '../sample-ids.ts'

/** A sample from ./samples (Stripe's API reference shapes), fresh each call. */
const sample = (event: string) => readSample(new URL('./samples/', import.meta.url), event)

/** A fresh event id and time each call, so separate sends are separate events. */
function fresh(event: string): Record<string, any> {
  const payload = sample(event)
  payload.id = `evt_cli_${randomUUID().replaceAll('-', '').slice(0, 24)}`
  payload.created = Math.floor(Date.now() / 1000)
  return payload
}

function buyer(event: string) {
  return (options: SampleOptions): SamplePayload => {
    if (options.email === undefined) throw new Error('--email is required for this Stripe event')
    const payload = fresh(event)
    const object = payload.data.object as Record<string, any>
    // One customer per address, as in a real account: the ledger links a customer to the account it was given.
    object.customer = `cus_${sampleAccountHex(options.email)}`
    if (object.object === 'checkout.session') {
      object.customer_details.email = options.email
      if (options.name !== undefined) object.customer_details.name = options.name
    }
    if (object.object === 'charge') {
      object.billing_details.email = options.email
      if (options.name !== undefined) object.billing_details.name = options.name
    }
    if (object.object === 'invoice') {
      object.customer_email = options.email
      if (options.name !== undefined) object.customer_name = options.name
    }
    return { eventName: event, payload }
  }
}

export const stripeSamples: Record<string, (options: SampleOptions) => SamplePayload> = {
  'checkout.session.completed': buyer('checkout.session.completed'),
  'checkout.session.async_payment_succeeded': buyer('checkout.session.async_payment_succeeded'),
  'invoice.paid': buyer('invoice.paid'),
  // Names only the customer: the bridge reads the address from Stripe's API.
  'customer.subscription.deleted': () => ({ eventName: 'customer.subscription.deleted', payload: fresh('customer.subscription.deleted') }),
  'charge.refunded': buyer('charge.refunded'),
  // Names only the charge: the bridge reads its payer from Stripe's API.
  'charge.dispute.created': () => ({ eventName: 'charge.dispute.created', payload: fresh('charge.dispute.created') }),
}

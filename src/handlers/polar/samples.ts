import { readSample, sampleAccountHex } from '../sample-ids.ts'
import type { SampleOptions, SamplePayload } from '../sender.ts'

/** A body of the shape `@polar-sh/sdk` declares (see samples/SOURCES.md), fresh each call. */
const sample = (event: string) => readSample(new URL('./samples/', import.meta.url), event)

function customer(event: string) {
  return (options: SampleOptions): SamplePayload => {
    if (options.email === undefined) throw new Error(`--email is required for Polar ${event}`)
    const payload = sample(event)
    payload.timestamp = new Date().toISOString()
    payload.data.customer.email = options.email
    const id = sampleAccountHex(options.email, 32)
    payload.data.customer.id = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`
    if ('customer_id' in payload.data) payload.data.customer_id = payload.data.customer.id
    if (options.name !== undefined) payload.data.customer.name = options.name
    return { eventName: event, payload }
  }
}

export const polarSamples: Record<string, (options: SampleOptions) => SamplePayload> = {
  'order.paid': customer('order.paid'),
  'order.refunded': customer('order.refunded'),
  'subscription.revoked': customer('subscription.revoked'),
}

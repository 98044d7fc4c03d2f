import { randomInt } from 'node:crypto'
import { readSample, sampleAccountNumber } from '../sample-ids.ts'
import type { SampleOptions, SamplePayload } from '../sender.ts'

/** A body of Lemon Squeezy's documented shape (see samples/SOURCES.md), fresh each call. */
const sample = (event: string) => readSample(new URL('./samples/', import.meta.url), event)

function buyer(event: string) {
  return (options: SampleOptions): SamplePayload => {
    if (options.email === undefined) throw new Error(`--email is required for Lemon Squeezy ${event}`)
    const payload = sample(event)
    // A new object each call, so separate sends are separate events (the event id is built from it).
    payload.data.id = String(randomInt(1_000_000, 2 ** 40))
    payload.data.attributes.updated_at = new Date().toISOString()
    payload.data.attributes.user_email = options.email
    payload.data.attributes.customer_id = sampleAccountNumber(options.email)
    if (options.name !== undefined) payload.data.attributes.user_name = options.name
    return { eventName: event, payload }
  }
}

export const lemonSqueezySamples: Record<string, (options: SampleOptions) => SamplePayload> = {
  order_created: buyer('order_created'),
  order_refunded: buyer('order_refunded'),
  subscription_expired: buyer('subscription_expired'),
}

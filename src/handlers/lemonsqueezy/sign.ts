import { jsonPost, type SamplePayload, type SignedDelivery } from '../sender.ts'
import { lemonSqueezySignature } from './verify.ts'

/** Headers as Lemon Squeezy sends them: the event name, and the body's hex HMAC. No id, no timestamp. */
export function signLemonSqueezy(sample: SamplePayload, secret: string): SignedDelivery {
  const body = JSON.stringify(sample.payload)
  return jsonPost('/webhooks/lemonsqueezy', body, {
    'x-event-name': sample.eventName,
    'x-signature': lemonSqueezySignature(body, secret),
  })
}

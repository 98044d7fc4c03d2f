import { createHmac } from 'node:crypto'
import { jsonPost, type SamplePayload, type SignedDelivery } from '../sender.ts'

/** `Stripe-Signature: t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">`, as Stripe signs (its SDK's test helper makes the same). */
function stripeSignatureHeader(body: string, secret: string, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000)
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex')}`
}

export function signStripe(sample: SamplePayload, secret: string, options: { now?: number } = {}): SignedDelivery {
  const body = JSON.stringify(sample.payload)
  return jsonPost('/webhooks/stripe', body, {
    'stripe-signature': stripeSignatureHeader(body, secret, options.now),
    'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
  })
}

import { randomUUID } from 'node:crypto'
import type { BuiltDelivery } from './payloads.ts'

export interface SignedDelivery {
  path: string
  init: { method: 'POST'; headers: Record<string, string>; body: string }
}

/** Signs exactly as the provider does, with the provider's own helpers. */
export async function signDelivery(delivery: BuiltDelivery, secret: string, deliveryId = randomUUID()): Promise<SignedDelivery> {
  const body = JSON.stringify(delivery.payload)
  if (delivery.source === 'stripe') {
    const { default: Stripe } = await import('stripe')
    const signature = await Stripe.webhooks.generateTestHeaderStringAsync({ payload: body, secret })
    return {
      path: '/webhooks/stripe',
      init: { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature, 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' }, body },
    }
  }
  const { sign } = await import('@octokit/webhooks-methods')
  return {
    path: '/webhooks/github',
    init: {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': delivery.eventName,
        'x-github-delivery': deliveryId,
        'x-hub-signature-256': await sign(secret, body),
        'user-agent': 'GitHub-Hookshot/invite-bridge-cli',
      },
      body,
    },
  }
}

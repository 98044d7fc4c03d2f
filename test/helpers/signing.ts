import { randomBytes, randomUUID } from 'node:crypto'
import { sign } from '@octokit/webhooks-methods'
import Stripe from 'stripe'

/** A fresh webhook secret in Stripe's format; tests never commit one. */
export function stripeSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`
}

export function githubSecret(): string {
  return randomBytes(20).toString('hex')
}

/** Signs like Stripe does: `t=<seconds>,v1=<hex HMAC of "t.body">`. */
export async function stripeSignature(body: string, secret: string, timestampSeconds?: number): Promise<string> {
  return Stripe.webhooks.generateTestHeaderStringAsync({
    payload: body,
    secret,
    ...(timestampSeconds === undefined ? {} : { timestamp: timestampSeconds }),
  })
}

export async function stripeRequest(event: unknown, secret: string, options: { timestampSeconds?: number } = {}): Promise<RequestInit> {
  const body = JSON.stringify(event)
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': await stripeSignature(body, secret, options.timestampSeconds) },
    body,
  }
}

/** Headers as GitHub sends them; the delivery id is what stays the same on redelivery. */
export async function githubRequest(
  event: string,
  payload: unknown,
  secret: string,
  options: { deliveryId?: string } = {},
): Promise<RequestInit> {
  const body = JSON.stringify(payload)
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': options.deliveryId ?? randomUUID(),
      'x-hub-signature-256': await sign(secret, body),
      'user-agent': 'GitHub-Hookshot/test',
    },
    body,
  }
}

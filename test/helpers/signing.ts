import { randomBytes } from 'node:crypto'
import Stripe from 'stripe'
import { githubSender } from '../../src/handlers/github/index.ts'
import { stripeSender } from '../../src/handlers/stripe/index.ts'

/** A fresh webhook secret in Stripe's format; tests never commit one. */
export function stripeSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`
}

export function githubSecret(): string {
  return randomBytes(20).toString('hex')
}

/**
 * A `Stripe-Signature` made by Stripe's own SDK, for tests that hand-craft a
 * request to prove what the verifier accepts; deliveries use the bridge's own
 * signer (stripeRequest), which test/handlers/signers.test.ts checks against the SDK.
 */
export async function stripeSignature(body: string, secret: string, timestampSeconds?: number): Promise<string> {
  return Stripe.webhooks.generateTestHeaderStringAsync({
    payload: body,
    secret,
    ...(timestampSeconds === undefined ? {} : { timestamp: timestampSeconds }),
  })
}

/** A delivery signed like Stripe signs it: `t=<seconds>,v1=<hex HMAC of "t.body">`. */
export async function stripeRequest(event: unknown, secret: string, options: { timestampSeconds?: number } = {}): Promise<RequestInit> {
  const signed = stripeSender.sign(
    { eventName: '', payload: event as Record<string, unknown> },
    secret,
    options.timestampSeconds === undefined ? {} : { now: options.timestampSeconds * 1000 },
  )
  return signed.init
}

/** Headers as GitHub sends them; the delivery id is what stays the same on redelivery. */
export async function githubRequest(
  event: string,
  payload: unknown,
  secret: string,
  options: { deliveryId?: string } = {},
): Promise<RequestInit> {
  return githubSender.sign({ eventName: event, payload: payload as Record<string, unknown> }, secret, options).init
}

import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { StripeEventLike } from '../../src/handlers/stripe/map.ts'

const require = createRequire(import.meta.url)

export type StripeFixtureName =
  | 'checkout.session.completed'
  | 'checkout.session.completed.unpaid'
  | 'checkout.session.async_payment_succeeded'
  | 'invoice.paid'
  | 'customer.subscription.deleted'
  | 'charge.refunded'
  | 'charge.dispute.created'

/** A Stripe event as Stripe's API reference shapes it; `object` overrides are merged into data.object. */
export function stripeEvent(
  name: StripeFixtureName,
  overrides: { id?: string; object?: Record<string, unknown> } = {},
): StripeEventLike & Record<string, unknown> {
  const event = JSON.parse(readFileSync(fixturePath(`stripe/${name}`), 'utf8')) as StripeEventLike & Record<string, unknown>
  if (overrides.id) event.id = overrides.id
  if (overrides.object) event.data.object = { ...event.data.object, ...overrides.object }
  return event
}

/** A completed checkout by a buyer and a Stripe customer nobody has seen: an invite-only rule, a ledger subject. */
export function newStripePurchase() {
  const id = `evt_${randomUUID()}`
  const email = `buyer.${randomUUID()}@example.com`
  const event = stripeEvent('checkout.session.completed', { id, object: { customer: `cus_${randomUUID().slice(0, 8)}`, customer_details: { email, name: 'Ann' } } })
  return { id, email, event }
}

/**
 * A payload file: test/fixtures/<sender>/<name>.json for test-only shapes, else
 * the sample the sender ships for `send` (src/handlers/<sender>/samples).
 */
export function fixturePath(senderAndName: string): string {
  const [sender, name] = senderAndName.split('/') as [string, string]
  const own = new URL(`../fixtures/${sender}/${name}.json`, import.meta.url)
  return existsSync(own) ? own.pathname : new URL(`../../src/handlers/${sender}/samples/${name}.json`, import.meta.url).pathname
}

interface ExampleGroup {
  name: string
  examples: Array<Record<string, unknown> & { action?: string }>
}

/** A payload GitHub really sent, from @octokit/webhooks-examples (a fresh copy each call). */
export function githubExample(name: string, action?: string): Record<string, any> {
  const groups = require('@octokit/webhooks-examples') as ExampleGroup[]
  const group = groups.find((candidate) => candidate.name === name)
  const example = group?.examples.find((candidate) => action === undefined || candidate.action === action)
  if (!example) throw new Error(`No @octokit/webhooks-examples payload for ${name}${action ? `.${action}` : ''}`)
  return structuredClone(example)
}

/** The member_invited example as GitHub sends it when the invitation was made by email. */
export function githubInvitationByEmail(email: string): Record<string, any> {
  const payload = githubExample('organization', 'member_invited')
  payload.invitation.email = email
  payload.invitation.login = null
  return payload
}

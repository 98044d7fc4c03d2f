import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { StripeEventLike } from '../../src/handlers/stripe/verify.ts'

const require = createRequire(import.meta.url)

export type StripeFixtureName =
  | 'checkout.session.completed'
  | 'checkout.session.completed.unpaid'
  | 'checkout.session.async_payment_succeeded'
  | 'invoice.paid'
  | 'customer.subscription.deleted'

/** A Stripe event as Stripe's API reference shapes it; `object` overrides are merged into data.object. */
export function stripeEvent(
  name: StripeFixtureName,
  overrides: { id?: string; object?: Record<string, unknown> } = {},
): StripeEventLike & Record<string, unknown> {
  const url = new URL(`../fixtures/stripe/${name}.json`, import.meta.url)
  const event = JSON.parse(readFileSync(url, 'utf8')) as StripeEventLike & Record<string, unknown>
  if (overrides.id) event.id = overrides.id
  if (overrides.object) event.data.object = { ...event.data.object, ...overrides.object }
  return event
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

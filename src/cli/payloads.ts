import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'

/** The events `send` can build, from the fixtures in test/fixtures (real payload shapes). */
export const SENDABLE_EVENTS = {
  stripe: ['checkout.session.completed', 'checkout.session.async_payment_succeeded', 'invoice.paid', 'customer.subscription.deleted'],
  github: ['organization.member_invited', 'organization.member_added', 'ping'],
} as const

export type SendSource = keyof typeof SENDABLE_EVENTS

export interface BuiltDelivery {
  source: SendSource
  /** The GitHub event name header; Stripe carries its type in the body. */
  eventName: string
  payload: Record<string, any>
}

function fixture(path: string): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`../../test/fixtures/${path}.json`, import.meta.url), 'utf8')) as Record<string, any>
}

/** A fresh Stripe event id each call, so separate sends are separate events. */
function stripeEventId(): string {
  return `evt_cli_${randomUUID().replaceAll('-', '').slice(0, 24)}`
}

export function buildDelivery(source: SendSource, event: string, options: { email?: string; login?: string; name?: string }): BuiltDelivery {
  if (!(SENDABLE_EVENTS[source] as readonly string[]).includes(event)) {
    throw new Error(`unknown ${source} event "${event}"; one of: ${SENDABLE_EVENTS[source].join(', ')}`)
  }
  if (source === 'stripe') {
    const payload = fixture(`stripe/${event}`)
    payload.id = stripeEventId()
    payload.created = Math.floor(Date.now() / 1000)
    const object = payload.data.object as Record<string, any>
    if (options.email !== undefined) {
      if (object.object === 'checkout.session') object.customer_details.email = options.email
      if (object.object === 'invoice') object.customer_email = options.email
    }
    if (options.name !== undefined) {
      if (object.customer_details) object.customer_details.name = options.name
      if (object.object === 'invoice') object.customer_name = options.name
    }
    return { source, eventName: event, payload }
  }
  const [name, action] = event.split('.') as [string, string | undefined]
  const payload = fixture(`github/${event}`)
  if (action === 'member_invited') {
    // GitHub puts the address here when the invitation was made by email, null when made by login.
    payload.invitation.email = options.email ?? null
    if (options.login) payload.invitation.login = options.login
  }
  if (action === 'member_added' && options.login) payload.membership.user.login = options.login
  return { source, eventName: name, payload }
}

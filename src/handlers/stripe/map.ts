import type { Delivery } from '../../core/domain/delivery.ts'
import type { StripeFacts } from './catalogue.ts'
import { itemsFromInvoice, itemsFromSubscription } from './items.ts'

/** The part of a Stripe event the bridge reads. */
export interface StripeEventLike {
  id: string
  type: string
  livemode?: boolean
  data: { object: Record<string, unknown> }
}

type Loose = Record<string, any>

const PAID_SESSION_STATUSES = new Set(['paid', 'no_payment_required'])

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value : undefined
}

function record(value: unknown): Loose {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : {}
}

/** An id, or an expanded object's id. */
function idOf(value: unknown): string | undefined {
  return text(value) ?? text(record(value).id)
}

/** An account that is a charge (`charge:ch_…`), not a customer: its payer is read from the charge. */
export const CHARGE = 'charge:'

function withName(name: string | undefined): Pick<Delivery, 'data'> {
  return name ? { data: { full_name: name } } : {}
}

/**
 * The customer the object names (an id, or the expanded customer): Stripe's
 * lasting id for the buyer, which the ledger links to the account it was given.
 * A guest checkout names none.
 */
function subject(customer: unknown): Pick<Delivery, 'subject'> {
  const id = text(customer) ?? text(record(customer).id)
  return id ? { subject: id } : {}
}

/** What a verified Stripe event says: who, which items, which facts rules may match. Pure. */
export function mapStripeEvent(event: StripeEventLike): Delivery {
  const object = record(event.data?.object)
  const created = (event as { created?: unknown }).created
  const base = {
    source: 'stripe' as const,
    eventId: event.id,
    eventType: event.type,
    // The id is inside the signed body: a second body under it is Stripe's own re-render, not a replay.
    idSigned: true as const,
    ...(typeof created === 'number' && Number.isFinite(created) ? { occurredAt: created * 1000 } : {}),
  }
  const facts = (stripe: StripeFacts) => ({ source: 'stripe' as const, event: event.type, stripe })
  const livemode = typeof event.livemode === 'boolean' ? event.livemode : undefined

  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const status = text(object.payment_status)
      // customer_details is what the buyer typed at checkout; customer_email is only the prefill.
      const details = record(object.customer_details)
      const email = text(details.email)
      return {
        ...base,
        ...subject(object.customer),
        ...(!status || !PAID_SESSION_STATUSES.has(status)
          ? { skip: `checkout session is not paid yet (payment_status: ${status ?? 'missing'})` }
          : {}),
        recipient: email ? { kind: 'email', email } : null,
        ...withName(text(details.name)),
        // A session's line items are not in the event: they are read from the API when a rule needs them.
        facts: facts({ items: null, mode: text(object.mode), livemode, metadata: record(object.metadata) }),
        ...(text(object.id) ? { itemsFrom: object.id as string } : {}),
      }
    }
    case 'invoice.paid': {
      const email = text(object.customer_email)
      const subscription = record(record(object.parent).subscription_details)
      const hasSubscription = Boolean(text(subscription.subscription) ?? text(object.subscription))
      return {
        ...base,
        ...subject(object.customer),
        recipient: email ? { kind: 'email', email } : text(object.customer) ? { kind: 'account', account: object.customer } : null,
        ...withName(text(object.customer_name)),
        facts: facts({
          items: itemsFromInvoice(object),
          mode: hasSubscription ? 'subscription' : 'payment',
          livemode,
          // Plans are usually tagged on the subscription; the invoice's own metadata wins.
          metadata: { ...record(subscription.metadata), ...record(object.metadata) },
        }),
      }
    }
    case 'customer.subscription.created':
    case 'customer.subscription.deleted': {
      const customer = text(object.customer) ?? text(record(object.customer).id)
      const status = text(object.status)
      // Created `incomplete` (its first payment pending, or needing 3-D Secure), it may never be paid, and
      // `incomplete_expired` sends no subscription.deleted: such a start is not one. invoice.paid is.
      const unpaid = event.type === 'customer.subscription.created' && status !== 'active' && status !== 'trialing'
      return {
        ...base,
        ...(unpaid ? { skip: `the subscription is ${status ?? 'of no known status'}, not active or trialing: its first payment has not gone through` } : {}),
        ...subject(object.customer),
        recipient: customer ? { kind: 'account', account: customer } : null,
        facts: facts({ items: itemsFromSubscription(object), mode: 'subscription', livemode, metadata: record(object.metadata) }),
      }
    }
    case 'charge.refunded': {
      const billing = record(object.billing_details)
      const email = text(billing.email) ?? text(object.receipt_email)
      const customer = idOf(object.customer)
      return {
        ...base,
        // Stripe sends charge.refunded for every refund, partial ones too; only a full refund takes access away.
        ...(object.refunded === true ? {} : { skip: 'the charge was only partly refunded' }),
        recipient: email ? { kind: 'email', email } : customer ? { kind: 'account', account: customer } : null,
        ...(customer ? { subject: customer } : {}),
        ...withName(text(billing.name)),
        facts: facts({ items: null, livemode, metadata: record(object.metadata) }),
      }
    }
    case 'charge.dispute.created': {
      // A dispute names only its charge (expanded when the endpoint asks for it): the payer is read from it.
      const charge = record(object.charge)
      const chargeId = idOf(object.charge)
      const email = text(record(charge.billing_details).email) ?? text(charge.receipt_email)
      const customer = idOf(charge.customer)
      return {
        ...base,
        recipient: email ? { kind: 'email', email } : chargeId ? { kind: 'account', account: `${CHARGE}${chargeId}` } : null,
        ...(customer ? { subject: customer } : {}),
        facts: facts({ items: null, livemode, metadata: record(object.metadata) }),
      }
    }
    default:
      return { ...base, skip: `event type ${event.type} does not invite anyone`, recipient: null, facts: { source: 'stripe', event: event.type } }
  }
}

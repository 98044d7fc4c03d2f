import { describe, expect, it } from 'vitest'
import { mapStripeEvent } from '../../src/handlers/stripe/map.ts'
import { stripeEvent } from '../helpers/fixtures.ts'

describe('mapStripeEvent', () => {
  it('names the email the buyer typed at checkout, not the prefill, with their name; items are left to read', () => {
    const event = stripeEvent('checkout.session.completed')
    expect(mapStripeEvent(event)).toEqual({
      source: 'stripe',
      eventId: event.id,
      eventType: 'checkout.session.completed',
      idSigned: true,
      occurredAt: (event.created as number) * 1000,
      subject: 'cus_TbCdEfGhIjKlMn',
      recipient: { kind: 'email', email: 'Ann.Buyer@Example.com ' },
      data: { full_name: 'Ann Buyer' },
      facts: { source: 'stripe', event: 'checkout.session.completed', stripe: { items: null, mode: 'payment', livemode: false, metadata: {} } },
      itemsFrom: event.data.object.id,
    })
  })

  it('counts a session with nothing to pay as paid', () => {
    const event = stripeEvent('checkout.session.completed', { object: { payment_status: 'no_payment_required' } })
    expect(mapStripeEvent(event).skip).toBeUndefined()
  })

  it('skips a completed session whose payment has not arrived yet', () => {
    expect(mapStripeEvent(stripeEvent('checkout.session.completed.unpaid')).skip).toContain('unpaid')
  })

  it('takes a delayed payment that succeeded', () => {
    expect(mapStripeEvent(stripeEvent('checkout.session.async_payment_succeeded'))).toMatchObject({
      recipient: { kind: 'email', email: 'dana.delayed@example.com' },
    })
    expect(mapStripeEvent(stripeEvent('checkout.session.async_payment_succeeded')).skip).toBeUndefined()
  })

  it('names the customer email of a paid invoice, with its items and subscription mode', () => {
    expect(mapStripeEvent(stripeEvent('invoice.paid'))).toMatchObject({
      recipient: { kind: 'email', email: 'ann.buyer@example.com' },
      data: { full_name: 'Ann Buyer' },
      facts: { stripe: { items: [{ price: 'price_1QxYyAB2cDeFgHiJpRoMoNtH', product: 'prod_TbPro123456789' }], mode: 'subscription' } },
    })
  })

  it('names the customer id of a subscription event, to be read from the API', () => {
    expect(mapStripeEvent(stripeEvent('customer.subscription.deleted'))).toMatchObject({
      recipient: { kind: 'account', account: 'cus_TbCdEfGhIjKlMn' },
      facts: { stripe: { items: [{ price: 'price_1QxYyAB2cDeFgHiJpRoMoNtH', product: 'prod_TbPro123456789' }] } },
    })
  })

  it('counts a started subscription only once it is active or trialing: an incomplete one may never be paid', () => {
    // Stripe's subscription object is the same in .created and .deleted; only its status differs here.
    const started = (status: string) => {
      const event = stripeEvent('customer.subscription.deleted', { object: { status } })
      event.type = 'customer.subscription.created'
      return mapStripeEvent(event)
    }
    expect(started('active')).toMatchObject({ recipient: { kind: 'account', account: 'cus_TbCdEfGhIjKlMn' }, subject: 'cus_TbCdEfGhIjKlMn' })
    expect(started('active').skip).toBeUndefined()
    expect(started('trialing').skip).toBeUndefined()
    expect(started('incomplete').skip).toBe('the subscription is incomplete, not active or trialing: its first payment has not gone through')
    // An ended subscription is still an end, whatever its status says.
    expect(mapStripeEvent(stripeEvent('customer.subscription.deleted')).skip).toBeUndefined()
  })

  it('names the customer as the subject of invoices and subscriptions, expanded or not, and none for a guest checkout', () => {
    expect(mapStripeEvent(stripeEvent('invoice.paid')).subject).toBe('cus_TbCdEfGhIjKlMn')
    expect(mapStripeEvent(stripeEvent('customer.subscription.deleted')).subject).toBe('cus_TbCdEfGhIjKlMn')
    const expanded = stripeEvent('customer.subscription.deleted', { object: { customer: { id: 'cus_Expanded0001', object: 'customer' } } })
    expect(mapStripeEvent(expanded)).toMatchObject({ subject: 'cus_Expanded0001', recipient: { kind: 'account', account: 'cus_Expanded0001' } })
    expect(mapStripeEvent(stripeEvent('checkout.session.completed', { object: { customer: null } }))).not.toHaveProperty('subject')
  })

  it('names nobody when the paid session has no customer email', () => {
    const event = stripeEvent('checkout.session.completed', { object: { customer_details: { email: null, name: null } } })
    expect(mapStripeEvent(event).recipient).toBeNull()
  })

  it('skips other event types with the reason', () => {
    const event = { ...stripeEvent('invoice.paid'), type: 'payment_intent.succeeded' }
    expect(mapStripeEvent(event).skip).toBe('event type payment_intent.succeeded does not invite anyone')
  })
})

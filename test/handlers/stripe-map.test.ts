import { describe, expect, it } from 'vitest'
import { mapStripeEvent } from '../../src/handlers/stripe.ts'
import { stripeEvent } from '../helpers/fixtures.ts'

describe('mapStripeEvent', () => {
  it('invites the email the buyer typed at checkout, not the prefill, with their name', () => {
    expect(mapStripeEvent(stripeEvent('checkout.session.completed'))).toEqual({
      kind: 'invite',
      recipient: { kind: 'email', email: 'Ann.Buyer@Example.com ' },
      data: { full_name: 'Ann Buyer' },
    })
  })

  it('invites for a session paid with nothing to pay', () => {
    const event = stripeEvent('checkout.session.completed', { object: { payment_status: 'no_payment_required' } })
    expect(mapStripeEvent(event)).toMatchObject({ kind: 'invite' })
  })

  it('ignores a completed session whose payment has not arrived yet', () => {
    const action = mapStripeEvent(stripeEvent('checkout.session.completed.unpaid'))
    expect(action).toEqual({ kind: 'ignore', reason: expect.stringContaining('unpaid') })
  })

  it('invites when a delayed payment succeeds', () => {
    expect(mapStripeEvent(stripeEvent('checkout.session.async_payment_succeeded'))).toMatchObject({
      kind: 'invite',
      recipient: { kind: 'email', email: 'dana.delayed@example.com' },
    })
  })

  it('invites the customer email of a paid invoice', () => {
    expect(mapStripeEvent(stripeEvent('invoice.paid'))).toEqual({
      kind: 'invite',
      recipient: { kind: 'email', email: 'ann.buyer@example.com' },
      data: { full_name: 'Ann Buyer' },
    })
  })

  it('names nobody when the paid session has no customer email', () => {
    const event = stripeEvent('checkout.session.completed', { object: { customer_details: { email: null, name: null } } })
    expect(mapStripeEvent(event)).toEqual({ kind: 'invite', recipient: null })
  })

  it('ignores other event types with the reason', () => {
    expect(mapStripeEvent(stripeEvent('customer.subscription.deleted'))).toEqual({
      kind: 'ignore',
      reason: 'event type customer.subscription.deleted does not invite anyone',
    })
  })
})

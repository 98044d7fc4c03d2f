import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { stripeEvent } from '../helpers/fixtures.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { stripeRequest, stripeSecret } from '../helpers/signing.ts'

let bridge: TestBridge
beforeEach(async () => {
  bridge = await startTestBridge()
})
afterEach(async () => {
  await bridge.close()
})

async function deliver(event: unknown, secret = bridge.secrets.stripe) {
  const response = await bridge.app.request('/webhooks/stripe', await stripeRequest(event, secret))
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

describe('POST /webhooks/stripe', () => {
  it('invites the checkout buyer once, at the normalised address, with their name', async () => {
    const event = stripeEvent('checkout.session.completed')
    expect(await deliver(event)).toEqual({ status: 200, body: { outcome: 'invited', eventId: event.id } })

    const [user] = bridge.idp.users()
    expect(user).toMatchObject({ email: 'ann.buyer@example.com', user_metadata: { full_name: 'Ann Buyer' } })
    expect(bridge.idp.invites.map((invite) => invite.email)).toEqual(['ann.buyer@example.com'])
    expect(bridge.invitesTo('prefill@example.com')).toBe(0)
  })

  it('invites when a delayed payment succeeds', async () => {
    expect((await deliver(stripeEvent('checkout.session.async_payment_succeeded'))).body.outcome).toBe('invited')
    expect(bridge.invitesTo('dana.delayed@example.com')).toBe(1)
  })

  it('invites the customer of a paid invoice', async () => {
    expect((await deliver(stripeEvent('invoice.paid'))).body.outcome).toBe('invited')
    expect(bridge.invitesTo('ann.buyer@example.com')).toBe(1)
  })

  it('answers 2xx and invites nobody for an unpaid session, saying why', async () => {
    const { status, body } = await deliver(stripeEvent('checkout.session.completed.unpaid'))
    expect(status).toBe(200)
    expect(body).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('unpaid') })
    expect(bridge.idp.invites).toHaveLength(0)
  })

  it('ignores event types that invite nobody', async () => {
    const { status, body } = await deliver(stripeEvent('customer.subscription.deleted'))
    expect(status).toBe(200)
    expect(body.outcome).toBe('ignored')
    expect(bridge.idp.invites).toHaveLength(0)
  })

  it('answers no_email when a paid session carries no address', async () => {
    const event = stripeEvent('checkout.session.completed', { object: { customer_details: { email: null, name: null } } })
    expect(await deliver(event)).toMatchObject({ status: 200, body: { outcome: 'no_email' } })
    expect(bridge.idp.invites).toHaveLength(0)
  })

  it('rejects an address that is not one, with 2xx so Stripe stops retrying, and invites nobody', async () => {
    const event = stripeEvent('invoice.paid', { object: { customer_email: 'not an address' } })
    expect(await deliver(event)).toMatchObject({ status: 200, body: { outcome: 'rejected' } })
    expect(bridge.idp.invites).toHaveLength(0)
  })

  it('answers already_registered for a person who already has an account, and sends nothing new', async () => {
    // The person signed up some other way: identity knows them, the bridge's store does not.
    await bridge.idp.inviteDirectly('ann.buyer@example.com')

    expect(await deliver(stripeEvent('invoice.paid'))).toMatchObject({ status: 200, body: { outcome: 'already_registered' } })
    expect(bridge.invitesTo('ann.buyer@example.com')).toBe(1)
  })

  it('accepts a delivery signed with any of the configured secrets (rotation)', async () => {
    const oldSecret = stripeSecret()
    const newSecret = stripeSecret()
    const rotating = await startTestBridge({ env: { STRIPE_WEBHOOK_SECRET: `${oldSecret}, ${newSecret}` } })
    try {
      const first = await rotating.app.request('/webhooks/stripe', await stripeRequest(stripeEvent('invoice.paid'), oldSecret))
      const second = await rotating.app.request(
        '/webhooks/stripe',
        await stripeRequest(stripeEvent('checkout.session.async_payment_succeeded', { object: { customer: 'cus_SecondBuyer01' } }), newSecret),
      )
      expect([first.status, second.status]).toEqual([200, 200])
      expect(rotating.idp.invites).toHaveLength(2)
    } finally {
      await rotating.close()
    }
  })

  it('logs one line per delivery with the email masked and no secret', async () => {
    const event = stripeEvent('checkout.session.completed')
    await deliver(event)
    expect(bridge.logs).toEqual([
      expect.objectContaining({ source: 'stripe', eventId: event.id, eventType: 'checkout.session.completed', outcome: 'invited', email: 'a***@example.com', durationMs: expect.any(Number) }),
    ])
    const line = JSON.stringify(bridge.logs)
    expect(line).not.toContain('ann.buyer@example.com')
    expect(line).not.toContain(bridge.secrets.stripe)
  })
})

import { randomBytes, randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { stripeSender } from '../../src/handlers/stripe/index.ts'
import { mapStripeEvent } from '../../src/handlers/stripe/map.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { stripeEvent } from '../helpers/fixtures.ts'
import { rulesFor } from '../helpers/senders.ts'
import { serveStripeApi } from '../helpers/stripe-api.ts'

// Money that went back takes the role away: a full refund, or a dispute (which names only its charge).
const RULES = {
  rules: [
    { source: 'stripe', events: ['checkout.session.completed'], roles: ['pro'] },
    { source: 'stripe', events: ['charge.refunded', 'charge.dispute.created'], revoke: ['pro'] },
  ],
}

let bridge: TestBridge
let stripeApi: Awaited<ReturnType<typeof serveStripeApi>>
const stripeKey = `rk_test_${randomBytes(12).toString('hex')}`

beforeEach(async () => {
  stripeApi = await serveStripeApi(stripeKey, {
    customers: { cus_ann: { email: 'ann@example.com', name: 'Ann' } },
    charges: {
      ch_billed: { billingEmail: 'Ann@Example.com', name: 'Ann', customer: 'cus_ann' },
      ch_receipt: { receiptEmail: 'ann@example.com' },
      ch_customer_only: { customer: 'cus_ann' },
    },
  })
  bridge = await startTestBridge({ env: { STRIPE_SECRET_KEY: stripeKey, STRIPE_API_URL: stripeApi.url }, deps: async () => ({ rules: rulesFor(RULES) }) })
})
afterEach(async () => {
  await bridge.close()
  await stripeApi.close()
})

const rolesOf = (email: string) => bridge.rolesOf(email)

// Role changes are ordered by when events happened: each event here happens after the one before.
let clock = Math.floor(Date.now() / 1000)
function happensNext<T extends Record<string, unknown>>(event: T): T {
  return { ...event, created: ++clock }
}

async function buys(email: string) {
  const purchase = happensNext(stripeEvent('checkout.session.completed', { id: `evt_${randomUUID()}`, object: { customer_details: { email, name: 'Ann' } } }))
  // The first purchase invites; a later one (the person is already invited) only grants again.
  expect(await bridge.deliverStripe(purchase)).toMatchObject({ status: 200, roles: { granted: ['pro'] } })
}

function refund(object: Record<string, unknown>) {
  return happensNext(stripeEvent('charge.refunded', { id: `evt_${randomUUID()}`, object }))
}

function dispute(charge: unknown) {
  return happensNext(stripeEvent('charge.dispute.created', { id: `evt_${randomUUID()}`, object: { charge } }))
}

describe('charge.refunded', () => {
  it('a full refund takes the role away from the payer (billing address), and keeps the account', async () => {
    await buys('ann@example.com')
    expect(await bridge.deliverStripe(refund({ billing_details: { email: 'ann@example.com' } }))).toMatchObject({
      status: 200,
      outcome: 'roles_updated',
      roles: { revoked: ['pro'] },
    })
    expect(rolesOf('ann@example.com')).toEqual([])
    expect(bridge.idp.users().map((user) => user.email)).toContain('ann@example.com')
    expect(bridge.invitesTo('ann@example.com')).toBe(1)
  })

  it('a partial refund changes nothing, and says why', async () => {
    await buys('ann@example.com')
    const partial = refund({ billing_details: { email: 'ann@example.com' }, refunded: false, amount_refunded: 500 })
    expect(await bridge.deliverStripe(partial)).toMatchObject({ status: 200, outcome: 'ignored', reason: 'the charge was only partly refunded' })
    expect(rolesOf('ann@example.com')).toEqual(['pro'])
  })

  it('falls back to the receipt address, then to the customer read from the API', async () => {
    await buys('ann@example.com')
    const receipt = refund({ billing_details: { email: null }, receipt_email: 'ann@example.com' })
    expect(await bridge.deliverStripe(receipt)).toMatchObject({ outcome: 'roles_updated', roles: { revoked: ['pro'] } })
    await buys('ann@example.com')
    const customerOnly = refund({ billing_details: { email: null }, receipt_email: null, customer: 'cus_ann' })
    expect(await bridge.deliverStripe(customerOnly)).toMatchObject({ outcome: 'roles_updated', roles: { revoked: ['pro'] } })
    expect(stripeApi.requests).toContain('GET /v1/customers/cus_ann')
  })

  it('names the customer as the subject, so the ledger can find the account whatever the address is then', () => {
    expect(mapStripeEvent(refund({ customer: 'cus_ann' }))).toMatchObject({ subject: 'cus_ann', recipient: { kind: 'email', email: 'buyer@example.com' } })
  })
})

describe('charge.dispute.created', () => {
  it("reads the disputed charge's payer from the API and takes the role away; the retry is a duplicate", async () => {
    await buys('ann@example.com')
    const event = dispute('ch_billed')
    expect(await bridge.deliverStripe(event)).toMatchObject({ status: 200, outcome: 'roles_updated', roles: { revoked: ['pro'] } })
    expect(stripeApi.requests).toContain('GET /v1/charges/ch_billed')
    expect(rolesOf('ann@example.com')).toEqual([])
    expect(await bridge.deliverStripe(event)).toMatchObject({ status: 200, outcome: 'duplicate' })
  })

  it('uses the receipt address, or the charge’s customer, when the charge has no billing address', async () => {
    await buys('ann@example.com')
    expect(await bridge.deliverStripe(dispute('ch_receipt'))).toMatchObject({ outcome: 'roles_updated', roles: { revoked: ['pro'] } })
    await buys('ann@example.com')
    expect(await bridge.deliverStripe(dispute('ch_customer_only'))).toMatchObject({ outcome: 'roles_updated', roles: { revoked: ['pro'] } })
    expect(stripeApi.requests).toEqual(expect.arrayContaining(['GET /v1/charges/ch_customer_only', 'GET /v1/customers/cus_ann']))
  })

  it('a charge Stripe does not know is no_email: nothing changes', async () => {
    await buys('ann@example.com')
    expect(await bridge.deliverStripe(dispute('ch_unknown'))).toMatchObject({ status: 200, outcome: 'no_email' })
    expect(rolesOf('ann@example.com')).toEqual(['pro'])
  })

  it('an expanded charge needs no read, and gives its customer as the subject', () => {
    const delivery = mapStripeEvent(dispute({ id: 'ch_x', object: 'charge', billing_details: { email: 'ann@example.com' }, customer: 'cus_ann' }))
    expect(delivery).toMatchObject({ recipient: { kind: 'email', email: 'ann@example.com' }, subject: 'cus_ann' })
  })

  it('a rule on disputes without STRIPE_SECRET_KEY stops the bridge at startup, naming the key and its Charges scope', async () => {
    const rules = rulesFor({ rules: [{ source: 'stripe', events: ['charge.dispute.created'], revoke: ['pro'] }] })
    await expect(startTestBridge({ env: { STRIPE_SECRET_KEY: undefined }, deps: async () => ({ rules }) })).rejects.toThrow(/rules\[0\] need the Stripe API.*Charges/)
  })
})

describe('send samples', () => {
  it('a refund sample puts --email and --name on the charge; a dispute sample names only its charge', () => {
    const refunded = stripeSender.samples['charge.refunded']!({ email: 'ann@example.com', name: 'Ann' })
    expect(refunded.payload.data.object).toMatchObject({ refunded: true, billing_details: { email: 'ann@example.com', name: 'Ann' } })
    const disputed = stripeSender.samples['charge.dispute.created']!({})
    expect(mapStripeEvent(disputed.payload as never).recipient).toEqual({ kind: 'account', account: `charge:${disputed.payload.data.object.charge}` })
  })
})

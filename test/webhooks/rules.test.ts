import { randomBytes, randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RulesFile } from '../../src/rules/schema.ts'
import { rulesFor } from '../helpers/senders.ts'
import { githubExample, githubInvitationByEmail, stripeEvent } from '../helpers/fixtures.ts'
import { serveGitHubApi } from '../helpers/github-api.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { githubRequest } from '../helpers/signing.ts'
import { serveStripeApi } from '../helpers/stripe-api.ts'

const PRO = { price: 'price_pro_monthly', product: 'prod_pro' }
const BASIC = { price: 'price_basic_once', product: 'prod_basic' }

/** Two products and an org, as a site owner would write them. */
const RULES: RulesFile = {
  rules: [
    { source: 'stripe', events: ['checkout.session.completed', 'invoice.paid'], match: { prices: [PRO.price] }, roles: ['pro'], data: { plan: 'pro' } },
    { source: 'stripe', events: ['checkout.session.completed', 'invoice.paid'], match: { products: [BASIC.product] }, roles: ['basic'] },
    { source: 'stripe', events: ['customer.subscription.deleted'], match: { prices: [PRO.price] }, revoke: ['pro'] },
    { source: 'github', events: ['organization.member_invited', 'organization.member_added'], match: { orgs: ['ACME'] }, roles: ['staff'] },
    { source: 'github', events: ['organization.member_removed'], match: { orgs: ['acme'] }, revoke: ['staff'] },
  ],
}

let bridge: TestBridge
let stripeApi: Awaited<ReturnType<typeof serveStripeApi>>
let githubApi: Awaited<ReturnType<typeof serveGitHubApi>>
const stripeKey = `rk_test_${randomBytes(12).toString('hex')}`

beforeEach(async () => {
  stripeApi = await serveStripeApi(stripeKey, {
    lineItems: { cs_pro: [PRO], cs_basic: [BASIC], cs_other: [{ price: 'price_tshirt', product: 'prod_tshirt' }], cs_both: [PRO, BASIC] },
    customers: { cus_ann: { email: 'Ann@Example.com', name: 'Ann' }, cus_nobody: { email: 'nobody@example.com' } },
  })
  githubApi = await serveGitHubApi([{ login: 'octo-ann', email: 'ann@example.com' }])
  bridge = await startTestBridge({
    env: { STRIPE_SECRET_KEY: stripeKey, STRIPE_API_URL: stripeApi.url, GITHUB_API_URL: githubApi.url },
    deps: async () => ({ rules: rulesFor(RULES) }),
  })
})
afterEach(async () => {
  await bridge.close()
  await stripeApi.close()
  await githubApi.close()
})

const user = (email: string) => bridge.idp.users().find((candidate) => candidate.email === email)
const rolesOf = (email: string) => bridge.rolesOf(email)

function checkout(sessionId: string, email = 'ann@example.com') {
  return stripeEvent('checkout.session.completed', { id: `evt_${randomUUID()}`, object: { id: sessionId, customer_details: { email, name: 'Ann' } } })
}

function invoiceFor(item: { price: string; product: string }, email = 'ann@example.com') {
  const event = stripeEvent('invoice.paid', { id: `evt_${randomUUID()}`, object: { customer_email: email } })
  const line = (event.data.object as any).lines.data[0]
  line.pricing.price_details = { price: item.price, product: item.product }
  return event
}

function cancellation(customer: string) {
  const event = stripeEvent('customer.subscription.deleted', { id: `evt_${randomUUID()}`, object: { customer } })
  ;(event.data.object as any).items.data[0].price = { id: PRO.price, object: 'price', product: PRO.product }
  return event
}

const stripe = (event: unknown) => bridge.deliverStripe(event)

async function github(payload: unknown, event = 'organization', deliveryId?: string) {
  const response = await bridge.app.request('/webhooks/github', await githubRequest(event, payload, bridge.secrets.github, { deliveryId }))
  return { status: response.status, ...((await response.json()) as Record<string, any>) }
}

describe('Stripe purchases under rules', () => {
  it('invites the buyer of the Pro price with the role pro and the rule data', async () => {
    expect(await stripe(checkout('cs_pro'))).toMatchObject({ status: 200, outcome: 'invited', roles: { granted: ['pro'], revoked: [] } })
    expect(rolesOf('ann@example.com')).toEqual(['pro'])
    expect(user('ann@example.com')?.user_metadata).toEqual({ full_name: 'Ann', plan: 'pro' })
    expect(stripeApi.requests).toContain('GET /v1/checkout/sessions/cs_pro/line_items')
  })

  it('does not invite the buyer of an unrelated product', async () => {
    expect(await stripe(checkout('cs_other'))).toMatchObject({ status: 200, outcome: 'ignored', reason: expect.stringContaining('did not hold') })
    expect(bridge.idp.invites).toHaveLength(0)
  })

  it("a purchase queued because Stripe's API was down is left to the bridge's retry when Stripe redelivers it, and invited once", async () => {
    const event = checkout('cs_pro')
    stripeApi.fail(503)
    // The line items are read before the event is claimed: the failure comes before any claim.
    expect(await stripe(event)).toMatchObject({ status: 202, outcome: 'queued' })
    stripeApi.fail(undefined)

    expect(await stripe(event)).toMatchObject({ status: 202, outcome: 'queued' })
    expect(bridge.inviteRequestsTo('ann@example.com')).toBe(0)
    await bridge.sweepUntil(() => bridge.inviteRequestsTo('ann@example.com') === 1)
    expect(await stripe(event)).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(bridge.inviteRequestsTo('ann@example.com')).toBe(1)
    expect(rolesOf('ann@example.com')).toEqual(['pro'])
  })

  it('a second purchase of another product adds its role and keeps the first, without a second invite', async () => {
    await stripe(checkout('cs_pro'))
    expect(await stripe(checkout('cs_basic'))).toMatchObject({ outcome: 'duplicate', roles: { granted: ['basic'] } })
    expect(rolesOf('ann@example.com')).toEqual(['basic', 'pro'])
    expect(bridge.invitesTo('ann@example.com')).toBe(1)
    expect(bridge.inviteRequestsTo('ann@example.com')).toBe(1)
  })

  it('grants to a person who already has an account, found by exact address', async () => {
    for (const email of ['joann@example.com', 'ann@example.com']) await bridge.idp.inviteDirectly(email)
    expect(await stripe(checkout('cs_pro'))).toMatchObject({ outcome: 'already_registered', roles: { granted: ['pro'] } })
    expect(rolesOf('ann@example.com')).toEqual(['pro'])
    expect(rolesOf('joann@example.com')).toEqual([])
  })

  it('reads items from invoice lines (current shape) with no API call', async () => {
    const before = stripeApi.requests.length
    expect(await stripe(invoiceFor(PRO))).toMatchObject({ outcome: 'invited', roles: { granted: ['pro'] } })
    expect(stripeApi.requests.length).toBe(before)
  })

  it('reads items from invoice lines in the older shape (line.price)', async () => {
    const event = stripeEvent('invoice.paid', { id: `evt_${randomUUID()}` })
    const line = (event.data.object as any).lines.data[0]
    delete line.pricing
    line.price = { id: BASIC.price, object: 'price', product: BASIC.product }
    expect(await stripe(event)).toMatchObject({ outcome: 'invited', roles: { granted: ['basic'] } })
  })

  it('a cancellation removes only the plan role and keeps the user', async () => {
    await stripe(checkout('cs_both'))
    expect(rolesOf('ann@example.com')).toEqual(['basic', 'pro'])
    expect(await stripe(cancellation('cus_ann'))).toMatchObject({ status: 200, outcome: 'roles_updated', roles: { granted: [], revoked: ['pro'] } })
    expect(rolesOf('ann@example.com')).toEqual(['basic'])
    expect(user('ann@example.com')).toBeDefined()
    expect(stripeApi.requests).toContain('GET /v1/customers/cus_ann')
  })

  it('a cancellation for someone without an account is a 2xx no-op', async () => {
    expect(await stripe(cancellation('cus_nobody'))).toMatchObject({ status: 200, outcome: 'no_account' })
    expect(bridge.idp.users()).toHaveLength(0)
  })

  it('applies a redelivered grant once', async () => {
    const event = checkout('cs_pro')
    await stripe(event)
    expect(await stripe(event)).toMatchObject({ outcome: 'duplicate', reason: expect.stringContaining('event already handled') })
    expect(rolesOf('ann@example.com')).toEqual(['pro'])
  })
})

describe('GitHub joins and leaves under rules', () => {
  it('grants staff to whoever joins acme (org compared case-insensitively), and removes it when they leave', async () => {
    const invited = githubInvitationByEmail('ann@example.com')
    invited.organization.login = 'acme'
    expect(await github(invited)).toMatchObject({ outcome: 'invited', roles: { granted: ['staff'] } })
    expect(rolesOf('ann@example.com')).toEqual(['staff'])

    const removed: Record<string, any> = { ...githubExample('organization', 'member_added'), action: 'member_removed' }
    removed.organization.login = 'acme'
    removed.membership.user.login = 'octo-ann'
    expect(await github(removed)).toMatchObject({ outcome: 'roles_updated', roles: { revoked: ['staff'] } })
    expect(rolesOf('ann@example.com')).toEqual([])
    expect(user('ann@example.com')).toBeDefined()
  })

  it('a join redelivered after the leave does not bring the role back (ordered by first delivery)', async () => {
    const invited = githubInvitationByEmail('ann@example.com')
    invited.organization.login = 'acme'
    await github(invited)
    const added: Record<string, any> = githubExample('organization', 'member_added')
    added.organization.login = 'acme'
    added.membership.user.login = 'octo-ann'
    const joinDelivery = randomUUID()

    githubApi.fail(500)
    expect(await github(added, 'organization', joinDelivery)).toMatchObject({ status: 202, outcome: 'queued' }) // the join fails first...
    githubApi.fail(undefined)
    const removed: Record<string, any> = { ...structuredClone(added), action: 'member_removed' }
    expect(await github(removed)).toMatchObject({ outcome: 'roles_updated', roles: { revoked: ['staff'] } }) // ...then the leave lands
    // The bridge retries the old join: it is older than the leave.
    await bridge.sweepUntil(async () => (await bridge.store.list('pending/')).records.length === 0)
    const join = (await bridge.store.list<Record<string, any>>('log/')).records.find((record) => record.value.eventId === joinDelivery)
    expect(join?.value).toMatchObject({ status: 'done', roles: { granted: [] } })
    expect(rolesOf('ann@example.com')).toEqual([])
  })

  it('ignores joins to other orgs', async () => {
    const invited = githubInvitationByEmail('bob@example.com')
    invited.organization.login = 'other-org'
    expect(await github(invited)).toMatchObject({ outcome: 'ignored' })
    expect(bridge.idp.invites).toHaveLength(0)
  })
})

describe('at the same moment', () => {
  it('two events granting different roles to one existing person both end up applied', async () => {
    await stripe(checkout('cs_pro'))
    const github1 = githubInvitationByEmail('ann@example.com')
    github1.organization.login = 'acme'
    const results = await Promise.all([stripe(invoiceFor(BASIC)), github(github1)])
    expect(results.map((result) => result.status)).toEqual([200, 200])
    expect(rolesOf('ann@example.com')).toEqual(['basic', 'pro', 'staff'])
  })

  it('a storm of purchases of both products for a new person: one invite, both roles, after retries', async () => {
    const events = [checkout('cs_pro'), invoiceFor(BASIC), checkout('cs_pro'), invoiceFor(BASIC)]
    await Promise.all(events.map((event) => bridge.deliverStripeUntilAccepted(event)))
    expect(bridge.invitesTo('ann@example.com')).toBe(1)
    expect(bridge.inviteRequestsTo('ann@example.com')).toBe(1)
    expect(rolesOf('ann@example.com')).toEqual(['basic', 'pro'])
  })
})

describe('BRIDGE_DRY_RUN', () => {
  it('verifies and matches, says what would happen, and writes nothing', async () => {
    const dry = await startTestBridge({
      env: { STRIPE_SECRET_KEY: stripeKey, STRIPE_API_URL: stripeApi.url, BRIDGE_DRY_RUN: '1' },
      deps: async () => ({ rules: rulesFor(RULES) }),
    })
    try {
      expect(await dry.deliverStripe(checkout('cs_both'))).toMatchObject({ outcome: 'dry_run', plan: { invite: true, grant: ['pro', 'basic'], revoke: [], rules: [0, 1] } })
      expect(dry.idp.invites).toHaveLength(0)
      expect(dry.idp.users()).toHaveLength(0)
      expect(dry.logs.at(-1)).toMatchObject({ outcome: 'dry_run', wouldInvite: true, wouldGrant: 'pro,basic' })
      expect(await dry.store.get('meta/person-hash-key')).toBeNull()
      // Nor the claims, nor the event log.
      for (const prefix of ['event/', 'person/', 'ledger/', 'log/', 'log-index/', 'stats/', 'pending/']) expect((await dry.store.list(prefix)).records, prefix).toEqual([])
    } finally {
      await dry.close()
    }
  })
})

describe('configuration errors', () => {
  it('refuses to start with a rule that needs the Stripe API and no STRIPE_SECRET_KEY', async () => {
    await expect(startTestBridge({ env: { STRIPE_SECRET_KEY: undefined }, deps: async () => ({ rules: rulesFor(RULES) }) })).rejects.toThrow(
      /rules\[0\], rules\[1\], rules\[2\] need the Stripe API.*STRIPE_SECRET_KEY/,
    )
  })
})

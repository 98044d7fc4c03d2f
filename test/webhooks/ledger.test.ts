import { randomBytes, randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RulesFile } from '../../src/rules/schema.ts'
import { rulesFor } from '../helpers/senders.ts'
import { githubExample, githubInvitationByEmail, stripeEvent } from '../helpers/fixtures.ts'
import { serveGitHubApi, type GitHubUserDouble } from '../helpers/github-api.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { githubRequest } from '../helpers/signing.ts'
import { serveStripeApi, type StripeDoubleData } from '../helpers/stripe-api.ts'

const PRO = { price: 'price_pro_monthly', product: 'prod_pro' }
const BASIC = { price: 'price_basic_once', product: 'prod_basic' }

const RULES: RulesFile = {
  rules: [
    { source: 'stripe', events: ['checkout.session.completed', 'invoice.paid'], match: { prices: [PRO.price] }, roles: ['pro'] },
    { source: 'stripe', events: ['checkout.session.completed', 'invoice.paid'], match: { products: [BASIC.product] }, roles: ['basic'] },
    { source: 'stripe', events: ['customer.subscription.deleted'], match: { prices: [PRO.price] }, revoke: ['pro'] },
    { source: 'github', events: ['organization.member_invited', 'organization.member_added'], match: { orgs: ['acme'] }, roles: ['staff'] },
    { source: 'github', events: ['organization.member_removed'], match: { orgs: ['acme'] }, revoke: ['staff'] },
  ],
}

let bridge: TestBridge
let stripeApi: Awaited<ReturnType<typeof serveStripeApi>>
let githubApi: Awaited<ReturnType<typeof serveGitHubApi>>
// The doubles read these at request time: a test changes a person's address by editing them.
let customers: NonNullable<StripeDoubleData['customers']>
let githubUsers: GitHubUserDouble[]
const stripeKey = `rk_test_${randomBytes(12).toString('hex')}`

beforeEach(async () => {
  customers = { cus_ann: { email: 'ann@example.com', name: 'Ann' } }
  githubUsers = [{ login: 'hacktocat', email: 'ann@example.com' }]
  stripeApi = await serveStripeApi(stripeKey, { lineItems: { cs_pro: [PRO] }, customers })
  githubApi = await serveGitHubApi(githubUsers)
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

const rolesOf = (email: string) => bridge.rolesOf(email)

function checkout(sessionId: string, customer: string, email: string) {
  return stripeEvent('checkout.session.completed', {
    id: `evt_${randomUUID()}`,
    object: { id: sessionId, customer, customer_details: { email, name: 'Ann' } },
  })
}

function invoiceFor(item: { price: string; product: string }, customer: string, email: string) {
  const event = stripeEvent('invoice.paid', { id: `evt_${randomUUID()}`, object: { customer, customer_email: email } })
  ;(event.data.object as any).lines.data[0].pricing.price_details = { price: item.price, product: item.product }
  return event
}

function cancellation(customer: string) {
  const event = stripeEvent('customer.subscription.deleted', { id: `evt_${randomUUID()}`, object: { customer } })
  ;(event.data.object as any).items.data[0].price = { id: PRO.price, object: 'price', product: PRO.product }
  return event
}

/** The real member_invited example (an invitation by login, naming the invitee), to org acme. */
function invitedByLogin() {
  const payload = githubExample('organization', 'member_invited')
  payload.organization.login = 'acme'
  return payload
}

function removed() {
  const payload: Record<string, any> = { ...githubExample('organization', 'member_added'), action: 'member_removed' }
  payload.organization.login = 'acme'
  return payload
}

async function github(payload: unknown, event = 'organization') {
  const response = await bridge.app.request('/webhooks/github', await githubRequest(event, payload, bridge.secrets.github))
  return { status: response.status, ...((await response.json()) as Record<string, any>) }
}

describe('a revoke reaches the account the subject was given, whatever its address is today', () => {
  it.each([
    ['went private (the default on GitHub)', null],
    ['changed', 'ann.elsewhere@example.com'],
  ])("a member whose public email %s since the join loses staff when removed", async (_case, emailNow) => {
    expect(await github(invitedByLogin())).toMatchObject({ status: 200, outcome: 'invited', roles: { granted: ['staff'] } })
    githubUsers[0]!.email = emailNow

    expect(await github(removed())).toMatchObject({ status: 200, outcome: 'roles_updated', roles: { revoked: ['staff'] } })
    expect(rolesOf('ann@example.com')).toEqual([])
  })

  it('a member invited by an address that names their account loses staff when removed, though their GitHub email is private', async () => {
    githubUsers[0]!.email = null
    const invited = invitedByLogin()
    invited.invitation.email = 'ann@example.com'
    expect(await github(invited)).toMatchObject({ outcome: 'invited', roles: { granted: ['staff'] } })
    expect(await github(removed())).toMatchObject({ status: 200, outcome: 'roles_updated', roles: { revoked: ['staff'] } })
    expect(rolesOf('ann@example.com')).toEqual([])
  })

  it('a customer who changed their email after buying loses pro when the subscription ends', async () => {
    expect(await bridge.deliverStripe(checkout('cs_pro', 'cus_ann', 'ann@example.com'))).toMatchObject({ outcome: 'invited', roles: { granted: ['pro'] } })
    customers.cus_ann = { email: 'ann.new@example.com', name: 'Ann' }

    expect(await bridge.deliverStripe(cancellation('cus_ann'))).toMatchObject({ status: 200, outcome: 'roles_updated', roles: { revoked: ['pro'] } })
    expect(rolesOf('ann@example.com')).toEqual([])
  })

  it('a known customer buying again under a new address: the account they have gets the role, the new address gets no invite', async () => {
    await bridge.deliverStripe(checkout('cs_pro', 'cus_ann', 'ann@example.com'))
    expect(await bridge.deliverStripe(invoiceFor(BASIC, 'cus_ann', 'ann.new@example.com'))).toMatchObject({
      status: 200,
      outcome: 'duplicate',
      roles: { granted: ['basic'] },
    })
    expect(rolesOf('ann@example.com')).toEqual(['basic', 'pro'])
    expect(bridge.inviteRequestsTo('ann.new@example.com')).toBe(0)
    expect(bridge.idp.users().map((user) => user.email)).toEqual(['ann@example.com'])
  })

  it('a link whose account was deleted is replaced by the account the subject is given next', async () => {
    await bridge.deliverStripe(checkout('cs_pro', 'cus_ann', 'ann@example.com'))
    const gone = bridge.idp.users().find((user) => user.email === 'ann@example.com')!
    await bridge.idp.deleteUser(gone.id)

    expect(await bridge.deliverStripe(checkout('cs_pro', 'cus_ann', 'ann.new@example.com'))).toMatchObject({ outcome: 'invited', roles: { granted: ['pro'] } })
    customers.cus_ann = { email: 'ann.third@example.com' }
    expect(await bridge.deliverStripe(cancellation('cus_ann'))).toMatchObject({ outcome: 'roles_updated', roles: { revoked: ['pro'] } })
    expect(rolesOf('ann.new@example.com')).toEqual([])
  })

  it('keeps no subject and no address in the ledger keys, only keyed hashes', async () => {
    await bridge.deliverStripe(checkout('cs_pro', 'cus_ann', 'ann@example.com'))
    const { readdir, readFile } = await import('node:fs/promises')
    const files = await readdir(bridge.dataDir)
    const bytes = (await Promise.all(files.map((file) => readFile(`${bridge.dataDir}/${file}`)))).map((b) => b.toString('latin1')).join('')
    expect(bytes).toMatch(/ledger\/stripe\/[0-9a-f]{64}/)
    expect(bytes).not.toContain('cus_ann')
  })
})

describe('a revoke no link can place', () => {
  it('answers 200 unlinked, logs a warning naming the subject (not an address), and counts it', async () => {
    // An invitation by email alone names no account: nothing links the member who later leaves to it.
    const invited = githubInvitationByEmail('ann@example.com')
    invited.organization.login = 'acme'
    await github(invited)
    githubUsers[0]!.email = null
    const day = () => new Date().toISOString().slice(0, 10)
    const days = new Set([day()])

    expect(await github(removed())).toMatchObject({ status: 200, outcome: 'unlinked' })
    days.add(day())
    expect(rolesOf('ann@example.com')).toEqual(['staff'])
    const line = bridge.logs.at(-1)!
    expect(line).toMatchObject({ outcome: 'unlinked', level: 'warn', subject: `user:${removed().membership.user.id}` })
    expect(JSON.stringify(line)).not.toContain('ann@')
    const counted = await Promise.all([...days].map((d) => bridge.store.get<{ count: number }>(`tally/github/unlinked/${d}`)))
    expect(counted.reduce((sum, record) => sum + (record?.value.count ?? 0), 0)).toBe(1)
  })

  it('a cancellation for someone without an account is no_account, also a warning', async () => {
    customers.cus_nobody = { email: 'nobody@example.com' }
    expect(await bridge.deliverStripe(cancellation('cus_nobody'))).toMatchObject({ status: 200, outcome: 'no_account' })
    expect(bridge.logs.at(-1)).toMatchObject({ outcome: 'no_account', level: 'warn', subject: 'cus_nobody' })
  })
})

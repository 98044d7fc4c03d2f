import { SignJWT } from 'jose'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { adminCall, eventOf } from '../helpers/admin-api.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { githubExample, githubInvitationByEmail, stripeEvent } from '../helpers/fixtures.ts'
import { apiKey, siteUser } from '../helpers/invites.ts'
import { githubRequest, stripeRequest } from '../helpers/signing.ts'

const ann = 'ann.buyer@example.com'
let bridge: TestBridge
let key: string
beforeEach(async () => {
  key = apiKey()
  bridge = await startTestBridge({ env: { INVITE_API_KEYS: key } })
})
afterEach(async () => {
  await bridge.close()
})

const ROUTES: Array<['GET' | 'POST', string]> = [
  ['GET', '/events'],
  ['GET', '/events/stripe:evt_1'],
  ['POST', '/events/stripe:evt_1/replay'],
  ['GET', '/stats'],
  ['GET', `/people?email=${encodeURIComponent(ann)}`],
  ['POST', '/sweep'],
]

describe('who may call the admin API', () => {
  it.each(ROUTES)('%s %s: 401 without credentials', async (method, path) => {
    const answer = await adminCall(bridge.app, path, { method })
    expect(answer).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } })
  })

  it.each(ROUTES)('%s %s: 403 for a signed-in member without the admin role', async (method, path) => {
    const member = await siteUser(bridge, 'member@example.com', { roles: ['pro'] })
    expect(await adminCall(bridge.app, path, { method, token: member.accessToken })).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } })
  })

  it.each(ROUTES)('%s %s: 401 for a token identity did not sign', async (method, path) => {
    const member = await siteUser(bridge, 'member@example.com', { roles: ['admin'] })
    const forged = await new SignJWT({ sub: member.id, app_metadata: { roles: ['admin'] }, exp: Math.floor(Date.now() / 1000) + 600 })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode('not the instance secret, but a long one anyway'))
    expect(await adminCall(bridge.app, path, { method, token: forged })).toMatchObject({ status: 401 })
  })

  it('a site admin (app_metadata.roles holds admin, as identity has it now) may read it', async () => {
    const admin = await siteUser(bridge, 'admin@example.com', { roles: ['admin'] })
    expect(await adminCall(bridge.app, '/events', { token: admin.accessToken })).toMatchObject({ status: 200, body: { events: [], next: null } })
  })

  it('the sweep refuses a wrong sweep secret', async () => {
    const response = await bridge.app.request('/invite-bridge/api/sweep', { method: 'POST', headers: { 'x-invite-bridge-sweep': apiKey() } })
    expect(response.status).toBe(401)
  })
})

describe('what the admin API answers', () => {
  // Entries sort by the millisecond of first arrival: a pause keeps each delivery in its own.
  const apart = () => new Promise((resolve) => setTimeout(resolve, 3))

  async function deliverSome() {
    await bridge.deliverStripe(stripeEvent('checkout.session.completed'))
    await bridge.deliverStripe(stripeEvent('checkout.session.completed')) // a redelivery
    await apart()
    await bridge.deliverStripe(stripeEvent('invoice.paid')) // the same buyer again
    await apart()
    await bridge.app.request('/webhooks/github', await githubRequest('organization', githubInvitationByEmail('Bob.Member@Example.com'), bridge.secrets.github))
    await apart()
    await bridge.app.request('/webhooks/github', await githubRequest('ping', githubExample('ping'), bridge.secrets.github))
    await bridge.deliverStripe(stripeEvent('invoice.paid'), 'whsec_not-the-secret') // refused: counted, not logged
  }

  it('lists every verified delivery newest first, with what became of it, and pages with a cursor', async () => {
    await deliverSome()
    const all = await adminCall(bridge.app, '/events', { token: key })
    expect(all.body.events.map((event: any) => [event.source, event.type, event.outcome])).toEqual([
      ['github', 'ping', 'ignored'],
      ['github', 'organization.member_invited', 'invited'],
      ['stripe', 'invoice.paid', 'duplicate'],
      ['stripe', 'checkout.session.completed', 'invited'],
    ])
    expect(all.body.events[3]).toMatchObject({ status: 'done', attempts: 2, email: 'a***@example.com', rules: [0], error: null, retryAt: null })

    const first = await adminCall(bridge.app, '/events?limit=3', { token: key })
    expect(first.body.events).toHaveLength(3)
    const rest = await adminCall(bridge.app, `/events?limit=3&cursor=${first.body.next}`, { token: key })
    expect(rest.body).toEqual({ events: [all.body.events[3]], next: null })

    const github = await adminCall(bridge.app, '/events?source=github&status=done&since=1h', { token: key })
    expect(github.body.events.map((event: any) => event.type)).toEqual(['ping', 'organization.member_invited'])
    expect((await adminCall(bridge.app, `/events?since=${new Date(Date.now() + 60_000).toISOString()}`, { token: key })).body.events).toEqual([])
  })

  it('counts per day, sender and outcome, and refused requests per reason', async () => {
    await deliverSome()
    const stats = await adminCall(bridge.app, '/stats?days=7', { token: key })
    expect(stats.body.days).toHaveLength(7)
    expect(stats.body.days[6]).toMatchObject({
      date: new Date().toISOString().slice(0, 10),
      invited: 2,
      bySource: { stripe: { invited: 1, duplicate: 2 }, github: { invited: 1, ignored: 1 } },
    })
    expect(stats.body).toMatchObject({ pending: 0, dead: 0, unverified: { stripe: { invalid_signature: 1 } }, totals: { byOutcome: { invited: 2 } } })
  })

  it('says whether a person was invited, when and by which event, and their roles now, found by hash', async () => {
    const checkout = stripeEvent('checkout.session.completed')
    await bridge.deliverStripe(checkout)
    const person = await adminCall(bridge.app, `/people?email=${encodeURIComponent(' Ann.Buyer@Example.com')}`, { token: key })
    expect(person.body).toMatchObject({ email: 'a***@example.com', invited: true, outcome: 'invited', source: 'stripe', eventId: checkout.id, roles: [] })
    expect(Date.parse(person.body.at)).not.toBeNaN()
    expect((await adminCall(bridge.app, '/people?email=nobody@example.com', { token: key })).body).toMatchObject({ invited: false, at: null, roles: null })
    expect((await adminCall(bridge.app, '/people?email=not-an-address', { token: key })).status).toBe(400)
  })

  it('never answers with a plain address, whatever is asked', async () => {
    await deliverSome()
    bridge.identity.sandbox.faults.set({ kind: 'status', status: 503 })
    await bridge.deliverStripe(stripeEvent('checkout.session.completed', { id: 'evt_queued', object: { customer_details: { email: 'queued.buyer@example.com' } } }))
    const entry = await eventOf(bridge.app, key, 'stripe', 'evt_queued')
    const answers = await Promise.all([
      adminCall(bridge.app, '/events', { token: key }),
      adminCall(bridge.app, '/events?status=pending', { token: key }),
      adminCall(bridge.app, `/events/${entry.id}`, { token: key }),
      adminCall(bridge.app, '/stats', { token: key }),
      adminCall(bridge.app, `/people?email=${encodeURIComponent(ann)}`, { token: key }),
      adminCall(bridge.app, `/events/${entry.id}/replay`, { token: key, method: 'POST' }),
    ])
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 202])
    for (const answer of answers) expect(answer.text).not.toMatch(/[a-z.]+@example\.com/i)
    // Nor does the store keep one, in any key or value: the queued delivery is sealed.
    const everything = JSON.stringify(await Promise.all(['log/', 'log-index/', 'pending/', 'people/', 'stats/'].map((prefix) => bridge.store.list(prefix))))
    expect(everything).not.toMatch(/[a-z.]+@example\.com/i)
    expect(everything).toContain('q***@example.com')
  })

  it('404 for an event it never saw', async () => {
    expect(await adminCall(bridge.app, '/events/stripe:evt_never', { token: key })).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } })
    expect(await adminCall(bridge.app, '/events/stripe:evt_never/replay', { token: key, method: 'POST' })).toMatchObject({ status: 404 })
  })

  it('400 for a filter it cannot read', async () => {
    expect((await adminCall(bridge.app, '/events?status=lost', { token: key })).status).toBe(400)
    expect((await adminCall(bridge.app, '/events?since=yesterday', { token: key })).status).toBe(400)
    expect((await adminCall(bridge.app, '/events?cursor=bm9wZQ', { token: key })).status).toBe(400)
  })
})

import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { SENDERS } from '../../src/handlers/senders.ts'
import { parseRules } from '../../src/rules/load.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { acmeSender } from './acme/index.ts'

const senders = [...SENDERS, acmeSender]
const catalogues = senders.map((sender) => sender.catalogue)

describe('a sender added as one folder (test/senders/acme)', () => {
  let bridge: TestBridge | undefined
  afterEach(() => bridge?.close())

  async function start(rules?: unknown) {
    const secret = randomBytes(20).toString('hex')
    bridge = await startTestBridge({
      env: { ACME_WEBHOOK_SECRET: secret },
      senders,
      deps: async () => (rules === undefined ? {} : { rules: parseRules(rules, catalogues) }),
    })
    const deliver = async (init: RequestInit) => {
      const response = await bridge!.app.request('/webhooks/acme', init)
      return { status: response.status, ...((await response.json()) as Record<string, unknown>) }
    }
    return { bridge, secret, deliver }
  }

  it('is served at /webhooks/acme, invites once on its default event, and shows in /health', async () => {
    const { bridge, secret, deliver } = await start()
    const signed = acmeSender.sign(acmeSender.samples['customer.paid']!({ email: 'ann@example.com' }), secret)
    expect(await deliver(signed.init)).toMatchObject({ status: 200, outcome: 'invited' })
    expect(await deliver(signed.init)).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(bridge.inviteRequestsTo('ann@example.com')).toBe(1)
    expect(await (await bridge.app.request('/health')).json()).toEqual({ status: 'ok', sources: { stripe: true, github: true, polar: false, lemonsqueezy: false, paddle: false, shopify: false, acme: true } })
  })

  it('refuses a body signed with another secret, and invites no one', async () => {
    const { bridge, deliver } = await start()
    const forged = acmeSender.sign(acmeSender.samples['customer.paid']!({ email: 'eve@example.com' }), 'not-the-secret')
    expect(await deliver(forged.init)).toMatchObject({ status: 401, error: { code: 'invalid_signature' } })
    expect(bridge.inviteRequestsTo('eve@example.com')).toBe(0)
  })

  it('takes rules on its own events and match keys, from the catalogue it brings', async () => {
    const { bridge, secret, deliver } = await start({ rules: [{ source: 'acme', events: ['customer.paid'], match: { plans: ['gold'] }, roles: ['gold'] }] })
    const signed = acmeSender.sign(acmeSender.samples['customer.paid']!({ email: 'bo@example.com' }), secret)
    expect(await deliver(signed.init)).toMatchObject({ status: 200, outcome: 'invited', roles: { granted: ['gold'], revoked: [] } })
    expect(bridge.invitesTo('bo@example.com')).toBe(1)
    const silver = acmeSender.samples['customer.paid']!({ email: 'cy@example.com' })
    silver.payload.customer.plan = 'silver'
    expect(await deliver(acmeSender.sign(silver, secret).init)).toMatchObject({ status: 200, outcome: 'ignored' })
    expect(bridge.inviteRequestsTo('cy@example.com')).toBe(0)
    expect(() => parseRules({ rules: [{ source: 'acme', events: ['customer.paid'], match: { orgs: ['x'] } }] }, catalogues)).toThrow(/rules\[0\]\.match/)
  })

  it('is disabled, naming its variable, when its secret is not set', async () => {
    bridge = await startTestBridge({ senders })
    const response = await bridge.app.request('/webhooks/acme', { method: 'POST', body: '{}' })
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ error: { code: 'source_disabled', message: expect.stringContaining('ACME_WEBHOOK_SECRET') } })
  })
})

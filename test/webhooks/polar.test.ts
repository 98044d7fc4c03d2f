import { randomBytes, randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { polarSender } from '../../src/handlers/polar/index.ts'
import type { SignedDelivery } from '../../src/handlers/sender.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { rulesFor } from '../helpers/senders.ts'

const polarSecret = () => `whsec_${randomBytes(32).toString('base64')}`

let bridge: TestBridge | undefined
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
})

async function start(secrets: string[], rules?: unknown) {
  bridge = await startTestBridge({
    env: { POLAR_WEBHOOK_SECRET: secrets.join(',') },
    ...(rules === undefined ? {} : { deps: async () => ({ rules: rulesFor(rules) }) }),
  })
  return bridge
}

function order(email: string, event = 'order.paid') {
  return polarSender.samples[event]!({ email, name: 'Ann Buyer' })
}

async function deliver(signed: SignedDelivery) {
  const response = await bridge!.app.request(signed.path, signed.init)
  return { status: response.status, ...((await response.json()) as Record<string, any>) }
}

describe('POST /webhooks/polar', () => {
  it('invites the customer of a paid order once; Polar’s retry (same webhook-id) is a duplicate', async () => {
    const secret = polarSecret()
    await start([secret])
    const signed = polarSender.sign(order('ann@example.com'), secret, { deliveryId: randomUUID() })
    expect(await deliver(signed)).toMatchObject({ status: 200, outcome: 'invited' })
    expect(await deliver(signed)).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(bridge!.inviteRequestsTo('ann@example.com')).toBe(1)
    expect(bridge!.idp.users()[0]).toMatchObject({ email: 'ann@example.com', user_metadata: { full_name: 'Ann Buyer' } })
  })

  it('accepts deliveries signed with either secret during a rotation', async () => {
    const [old, next] = [polarSecret(), polarSecret()]
    await start([next, old])
    expect(await deliver(polarSender.sign(order('old@example.com'), old))).toMatchObject({ status: 200, outcome: 'invited' })
    expect(await deliver(polarSender.sign(order('new@example.com'), next))).toMatchObject({ status: 200, outcome: 'invited' })
  })

  describe('refuses, and invites no one:', () => {
    const secret = polarSecret()
    const cases: [string, () => SignedDelivery, number][] = [
      ['signed with another secret', () => polarSender.sign(order('eve@example.com'), polarSecret()), 401],
      [
        'a forged signature',
        () => {
          const signed = polarSender.sign(order('eve@example.com'), secret)
          signed.init.headers['webhook-signature'] = `v1,${randomBytes(32).toString('base64')}`
          return signed
        },
        401,
      ],
      [
        'a body changed after signing',
        () => {
          const signed = polarSender.sign(order('ann@example.com'), secret)
          signed.init.body = signed.init.body.replace('ann@example.com', 'eve@example.com')
          return signed
        },
        401,
      ],
      ['signed 10 minutes ago (a replay)', () => polarSender.sign(order('eve@example.com'), secret, { now: Date.now() - 600_000 }), 401],
      [
        'unsigned',
        () => {
          const signed = polarSender.sign(order('eve@example.com'), secret)
          delete signed.init.headers['webhook-signature']
          return signed
        },
        400,
      ],
    ]
    it.each(cases)('%s', async (_, make, status) => {
      await start([secret])
      expect((await deliver(make())).status).toBe(status)
      expect(bridge!.inviteRequestsTo('eve@example.com')).toBe(0)
      expect(bridge!.idp.inviteRequests).toHaveLength(0)
    })
  })

  it('ignores a refund under the default rules (only order.paid invites)', async () => {
    const secret = polarSecret()
    await start([secret])
    expect(await deliver(polarSender.sign(order('ann@example.com', 'order.refunded'), secret))).toMatchObject({ status: 200, outcome: 'ignored' })
    expect(bridge!.idp.inviteRequests).toHaveLength(0)
  })

  it('grants a role on a product and takes it away when the subscription is revoked', async () => {
    const secret = polarSecret()
    const paid = order('ann@example.com')
    const product = (paid.payload as any).data.product_id as string
    const revoked = order('ann@example.com', 'subscription.revoked')
    ;(revoked.payload as any).data.product_id = product
    await start([secret], {
      rules: [
        { source: 'polar', events: ['order.paid'], match: { products: [product] }, roles: ['pro'] },
        { source: 'polar', events: ['subscription.revoked'], match: { products: [product] }, revoke: ['pro'] },
      ],
    })
    expect(await deliver(polarSender.sign(paid, secret))).toMatchObject({ outcome: 'invited', roles: { granted: ['pro'] } })
    expect(await deliver(polarSender.sign(revoked, secret))).toMatchObject({ outcome: 'roles_updated', roles: { revoked: ['pro'] } })
  })

  it('is disabled, naming POLAR_WEBHOOK_SECRET, when the secret is not set', async () => {
    bridge = await startTestBridge()
    const response = await bridge.app.request('/webhooks/polar', polarSender.sign(order('ann@example.com'), polarSecret()).init)
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ error: { code: 'source_disabled', message: expect.stringContaining('POLAR_WEBHOOK_SECRET') } })
  })
})

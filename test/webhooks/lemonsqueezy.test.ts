import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { lemonSqueezySender } from '../../src/handlers/lemonsqueezy/index.ts'
import type { SignedDelivery } from '../../src/handlers/sender.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { rulesFor } from '../helpers/senders.ts'

/** A signing secret as one types it in Lemon Squeezy (any string of 6 to 40 characters). */
const lemonSecret = () => randomBytes(18).toString('base64url')

let bridge: TestBridge | undefined
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
})

async function start(secrets: string[], rules?: unknown) {
  bridge = await startTestBridge({
    env: { LEMONSQUEEZY_WEBHOOK_SECRET: secrets.join(',') },
    ...(rules === undefined ? {} : { deps: async () => ({ rules: rulesFor(rules) }) }),
  })
  return bridge
}

const event = (email: string, name = 'order_created') => lemonSqueezySender.samples[name]!({ email })

async function deliver(signed: SignedDelivery) {
  const response = await bridge!.app.request(signed.path, signed.init)
  return { status: response.status, ...((await response.json()) as Record<string, any>) }
}

describe('POST /webhooks/lemonsqueezy', () => {
  it('invites the buyer of a paid order once; a retry of the same body is a duplicate', async () => {
    const secret = lemonSecret()
    await start([secret])
    const signed = lemonSqueezySender.sign(event('darlene@example.com'), secret)
    expect(await deliver(signed)).toMatchObject({ status: 200, outcome: 'invited' })
    expect(await deliver(signed)).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(bridge!.inviteRequestsTo('darlene@example.com')).toBe(1)
  })

  it('accepts deliveries signed with either secret during a rotation', async () => {
    const [old, next] = [lemonSecret(), lemonSecret()]
    await start([next, old])
    expect(await deliver(lemonSqueezySender.sign(event('old@example.com'), old))).toMatchObject({ status: 200, outcome: 'invited' })
    expect(await deliver(lemonSqueezySender.sign(event('new@example.com'), next))).toMatchObject({ status: 200, outcome: 'invited' })
  })

  describe('refuses, and invites no one:', () => {
    const secret = lemonSecret()
    const cases: [string, () => SignedDelivery, number][] = [
      ['signed with another secret', () => lemonSqueezySender.sign(event('eve@example.com'), lemonSecret()), 401],
      [
        'a forged signature',
        () => {
          const signed = lemonSqueezySender.sign(event('eve@example.com'), secret)
          signed.init.headers['x-signature'] = randomBytes(32).toString('hex')
          return signed
        },
        401,
      ],
      [
        'a body changed after signing',
        () => {
          const signed = lemonSqueezySender.sign(event('ann@example.com'), secret)
          signed.init.body = signed.init.body.replace('ann@example.com', 'eve@example.com')
          return signed
        },
        401,
      ],
      [
        'unsigned',
        () => {
          const signed = lemonSqueezySender.sign(event('eve@example.com'), secret)
          delete signed.init.headers['x-signature']
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

  it('ignores an order that is not paid yet', async () => {
    const secret = lemonSecret()
    await start([secret])
    const pending = event('darlene@example.com')
    pending.payload.data.attributes.status = 'pending'
    expect(await deliver(lemonSqueezySender.sign(pending, secret))).toMatchObject({ status: 200, outcome: 'ignored', reason: expect.stringContaining('not paid') })
    expect(bridge!.idp.inviteRequests).toHaveLength(0)
  })

  it('grants a role for a live-mode purchase of a variant, and takes it away on the refund', async () => {
    const secret = lemonSecret()
    await start([secret], {
      rules: [
        { source: 'lemonsqueezy', events: ['order_created'], match: { variants: [123456], test_mode: false }, roles: ['pro'] },
        { source: 'lemonsqueezy', events: ['order_refunded'], match: { variants: ['123456'] }, revoke: ['pro'] },
      ],
    })
    const test = event('test@example.com')
    expect(await deliver(lemonSqueezySender.sign(test, secret))).toMatchObject({ outcome: 'ignored' })

    const live = event('darlene@example.com')
    live.payload.meta.test_mode = false
    expect(await deliver(lemonSqueezySender.sign(live, secret))).toMatchObject({ outcome: 'invited', roles: { granted: ['pro'] } })
    const refund = event('darlene@example.com', 'order_refunded')
    expect(await deliver(lemonSqueezySender.sign(refund, secret))).toMatchObject({ outcome: 'roles_updated', roles: { revoked: ['pro'] } })
  })

  it('is disabled, naming LEMONSQUEEZY_WEBHOOK_SECRET, when the secret is not set', async () => {
    bridge = await startTestBridge()
    const response = await bridge.app.request('/webhooks/lemonsqueezy', lemonSqueezySender.sign(event('a@example.com'), lemonSecret()).init)
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ error: { code: 'source_disabled', message: expect.stringContaining('LEMONSQUEEZY_WEBHOOK_SECRET') } })
  })
})

import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { paddleSender } from '../../../src/handlers/paddle/index.ts'
import { paddleSampleCustomerId } from '../../../src/handlers/paddle/samples.ts'
import { paddleSignatureHeader } from '../../../src/handlers/paddle/sign.ts'
import type { RulesFile } from '../../../src/rules/schema.ts'
import { startTestBridge, type TestBridge } from '../../helpers/bridge.ts'
import { servePaddleApi } from '../../helpers/paddle-api.ts'
import { rulesFor } from '../../helpers/senders.ts'

const PRO = { price: 'pri_01gsz8x8sawmvhz1pv30nge1ke', product: 'pro_01gsz4t5hdjse780zja8vvr7jg' }
const secret = () => `pdl_ntfset_${randomBytes(13).toString('hex')}_${randomBytes(24).toString('base64url')}`
const apiKey = `pdl_live_apikey_${randomBytes(16).toString('hex')}`

let bridge: TestBridge | undefined
let api: Awaited<ReturnType<typeof servePaddleApi>> | undefined
afterEach(async () => {
  await bridge?.close()
  await api?.close()
  bridge = api = undefined
})

/** The bridge with Paddle on (two secrets: a rotation in progress) and the Paddle API stand-in holding ann and bo. */
async function start(rules?: RulesFile, env: Record<string, string> = {}) {
  const [current, previous] = [secret(), secret()]
  api = await servePaddleApi(apiKey, {
    customers: {
      [paddleSampleCustomerId('ann@example.com')]: { email: 'Ann@Example.com', name: 'Ann Buyer' },
      [paddleSampleCustomerId('bo@example.com')]: { email: 'bo@example.com' },
    },
    transactions: { txn_01h8bxpvx398a7zbawb77y0kp5: [PRO] },
  })
  bridge = await startTestBridge({
    env: { PADDLE_WEBHOOK_SECRET: `${current}, ${previous}`, PADDLE_API_KEY: apiKey, PADDLE_API_URL: api.url, ...env },
    ...(rules ? { deps: async () => ({ rules: rulesFor(rules) }) } : {}),
  })
  const deliver = async (init: RequestInit) => {
    const response = await bridge!.app.request('/webhooks/paddle', init)
    return { status: response.status, ...((await response.json()) as Record<string, any>) } as Record<string, any>
  }
  const sample = (event: string, email: string) => paddleSender.samples[event]!({ email })
  return { bridge, api, current, previous, deliver, sample }
}

describe('POST /webhooks/paddle', () => {
  it('invites the customer of a completed transaction once, reading the address from the Paddle API; a retry is a duplicate', async () => {
    const { bridge, api, current, deliver, sample } = await start()
    const signed = paddleSender.sign(sample('transaction.completed', 'ann@example.com'), current)
    const first = await deliver(signed.init)
    expect(first).toMatchObject({ status: 200, outcome: 'invited', eventId: expect.stringMatching(/^evt_/) })
    // Paddle signs each retry afresh: a new timestamp, the same event_id.
    const retry = paddleSender.sign({ eventName: '', payload: JSON.parse(signed.init.body) }, current, { now: Date.now() + 2_000 })
    expect(await deliver(retry.init)).toMatchObject({ status: 200, outcome: 'duplicate', eventId: first.eventId })
    expect(bridge.inviteRequestsTo('ann@example.com')).toBe(1)
    expect(bridge.identity.sandbox.users()[0]).toMatchObject({ email: 'ann@example.com', user_metadata: { full_name: 'Ann Buyer' } })
    expect(api.requests).toContain(`GET /customers/${paddleSampleCustomerId('ann@example.com')}`)
  })

  it("a replay of the event from Paddle (a new notification_id, the same event_id) is the same event: a duplicate, not a refusal", async () => {
    const { bridge, current, deliver, sample } = await start()
    const signed = paddleSender.sign(sample('transaction.completed', 'ann@example.com'), current)
    const first = await deliver(signed.init)
    expect(first).toMatchObject({ status: 200, outcome: 'invited' })
    const replayed = { ...JSON.parse(signed.init.body), notification_id: 'ntf_01hreplayedbypaddle0000000' }
    expect(await deliver(paddleSender.sign({ eventName: '', payload: replayed }, current).init)).toMatchObject({ status: 200, outcome: 'duplicate', eventId: first.eventId })
    expect(bridge.inviteRequestsTo('ann@example.com')).toBe(1)
  })

  it('accepts a delivery signed with the previous secret, and a header carrying one h1 per secret (rotation)', async () => {
    const { bridge, previous, deliver, sample } = await start()
    expect(await deliver(paddleSender.sign(sample('transaction.completed', 'ann@example.com'), previous).init)).toMatchObject({ status: 200, outcome: 'invited' })
    const body = JSON.stringify(sample('transaction.completed', 'bo@example.com').payload)
    const header = paddleSignatureHeader(body, [secret(), previous])
    expect(await deliver({ method: 'POST', headers: { 'paddle-signature': header }, body })).toMatchObject({ status: 200, outcome: 'invited' })
    expect(bridge.inviteRequestsTo('bo@example.com')).toBe(1)
  })

  describe('refuses, and invites nobody', () => {
    const body = () => JSON.stringify(paddleSender.samples['transaction.completed']!({ email: 'ann@example.com' }).payload)
    it.each([
      ['unsigned', 400, 'missing_signature', () => ({})],
      ['forged (a made-up h1)', 401, 'invalid_signature', () => ({ 'paddle-signature': `ts=${Math.floor(Date.now() / 1000)};h1=${randomBytes(32).toString('hex')}` })],
      ['signed with another secret', 401, 'invalid_signature', (text: string) => ({ 'paddle-signature': paddleSignatureHeader(text, secret()) })],
      ['a malformed header', 401, 'invalid_signature', () => ({ 'paddle-signature': 'sha256=abc' })],
    ] as const)('%s: %i %s', async (_, status, code, headers) => {
      const { bridge, deliver } = await start()
      const text = body()
      expect(await deliver({ method: 'POST', headers: headers(text), body: text })).toMatchObject({ status, error: { code } })
      expect(bridge.inviteRequestsTo('ann@example.com')).toBe(0)
    })

    it('tampered: the body changed after signing', async () => {
      const { bridge, current, deliver } = await start()
      const text = body()
      const header = paddleSignatureHeader(text, current)
      const tampered = text.replace(paddleSampleCustomerId('ann@example.com'), paddleSampleCustomerId('bo@example.com'))
      expect(await deliver({ method: 'POST', headers: { 'paddle-signature': header }, body: tampered })).toMatchObject({ status: 401, error: { code: 'invalid_signature' } })
      expect(bridge.inviteRequestsTo('bo@example.com') + bridge.inviteRequestsTo('ann@example.com')).toBe(0)
    })

    it('stale: signed more than PADDLE_TOLERANCE_SECONDS (300) ago', async () => {
      const { bridge, current, deliver } = await start()
      const text = body()
      const header = paddleSignatureHeader(text, current, Date.now() - 301_000)
      expect(await deliver({ method: 'POST', headers: { 'paddle-signature': header }, body: text })).toMatchObject({
        status: 401,
        error: { code: 'invalid_signature', message: expect.stringContaining('older than 300 s') },
      })
      expect(bridge.inviteRequestsTo('ann@example.com')).toBe(0)
    })
  })

  it('under rules: grants pro on a purchase of the Pro price, and takes it back on an approved refund (items read from the transaction)', async () => {
    const { bridge, api, current, deliver, sample } = await start({
      rules: [
        { source: 'paddle', events: ['transaction.completed'], match: { prices: [PRO.price] }, roles: ['pro'] },
        { source: 'paddle', events: ['adjustment.created', 'adjustment.updated'], match: { products: [PRO.product] }, revoke: ['pro'] },
      ],
    })
    const roles = () => bridge.identity.sandbox.users().find((user) => user.email === 'ann@example.com')?.app_metadata?.roles
    expect(await deliver(paddleSender.sign(sample('transaction.completed', 'ann@example.com'), current).init)).toMatchObject({ status: 200, outcome: 'invited', roles: { granted: ['pro'] } })
    expect(roles()).toEqual(['pro'])

    const pending = sample('adjustment.updated', 'ann@example.com')
    pending.payload.data.status = 'pending_approval'
    expect(await deliver(paddleSender.sign(pending, current).init)).toMatchObject({ status: 200, outcome: 'ignored', reason: expect.stringContaining('not an approved refund') })
    expect(roles()).toEqual(['pro'])

    expect(await deliver(paddleSender.sign(sample('adjustment.updated', 'ann@example.com'), current).init)).toMatchObject({ status: 200, outcome: 'roles_updated', roles: { revoked: ['pro'] } })
    expect(roles()).toEqual([])
    expect(api.requests).toContain('GET /transactions/txn_01h8bxpvx398a7zbawb77y0kp5')
  })

  it('matches sandbox only when PADDLE_SANDBOX says this destination is the sandbox', async () => {
    const { deliver, current, sample } = await start({ rules: [{ source: 'paddle', events: ['transaction.completed'], match: { sandbox: true } }] })
    expect(await deliver(paddleSender.sign(sample('transaction.completed', 'ann@example.com'), current).init)).toMatchObject({ status: 200, outcome: 'ignored' })
  })

  it('with PADDLE_SANDBOX set, a sandbox rule matches', async () => {
    const { deliver, current, sample } = await start({ rules: [{ source: 'paddle', events: ['transaction.completed'], match: { sandbox: true } }] }, { PADDLE_SANDBOX: '1' })
    expect(await deliver(paddleSender.sign(sample('transaction.completed', 'ann@example.com'), current).init)).toMatchObject({ status: 200, outcome: 'invited' })
  })
})

describe('Paddle switched on or off', () => {
  it('is disabled, naming PADDLE_WEBHOOK_SECRET, when the secret is not set; its key is then never asked for', async () => {
    bridge = await startTestBridge()
    const response = await bridge.app.request('/webhooks/paddle', { method: 'POST', body: '{}' })
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ error: { code: 'source_disabled', message: expect.stringContaining('PADDLE_WEBHOOK_SECRET') } })
  })

  it('refuses to start when its secret is set and its key is not, naming both variables', async () => {
    await expect(startTestBridge({ env: { PADDLE_WEBHOOK_SECRET: secret() } })).rejects.toThrow(/rules\[\d\] need the Paddle API.*PADDLE_API_KEY.*PADDLE_WEBHOOK_SECRET/)
  })
})

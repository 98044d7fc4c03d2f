import { randomBytes, randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { shopifySender } from '../../../src/handlers/shopify/index.ts'
import { shopifyHmac } from '../../../src/handlers/shopify/signature.ts'
import type { RulesFile } from '../../../src/rules/schema.ts'
import { startTestBridge, type TestBridge } from '../../helpers/bridge.ts'
import { rulesFor } from '../../helpers/senders.ts'
import { serveShopifyAdminApi } from '../../helpers/shopify-api.ts'

const clientSecret = () => randomBytes(16).toString('hex')
const adminToken = `shpat_${randomBytes(16).toString('hex')}`

let bridge: TestBridge | undefined
let api: Awaited<ReturnType<typeof serveShopifyAdminApi>> | undefined
afterEach(async () => {
  await bridge?.close()
  await api?.close()
  bridge = api = undefined
})

/** The bridge with Shopify on (the app's client secret mid-rotation) and an Admin API stand-in that knows order 450789469. */
async function start(rules?: RulesFile) {
  const [current, previous] = [clientSecret(), clientSecret()]
  api = await serveShopifyAdminApi(adminToken, { orders: { '450789469': { email: 'ann@example.com', firstName: 'Ann', lastName: 'Buyer' } } })
  bridge = await startTestBridge({
    env: { SHOPIFY_WEBHOOK_SECRET: `${current},${previous}`, SHOPIFY_ADMIN_TOKEN: adminToken, SHOPIFY_SHOP: 'acme.myshopify.com', SHOPIFY_API_URL: api.url },
    ...(rules ? { deps: async () => ({ rules: rulesFor(rules) }) } : {}),
  })
  const deliver = async (init: RequestInit) => {
    const response = await bridge!.app.request('/webhooks/shopify', init)
    return { status: response.status, ...((await response.json()) as Record<string, any>) }
  }
  const order = (email: string, name?: string) => shopifySender.samples['orders/paid']!({ email, ...(name ? { name } : {}) })
  return { bridge, api, current, previous, deliver, order }
}

describe('POST /webhooks/shopify', () => {
  it('invites the buyer of a paid order once, with their name; a retry (same X-Shopify-Webhook-Id) is a duplicate', async () => {
    const { bridge, current, deliver, order } = await start()
    const signed = shopifySender.sign(order('Ann@Example.com', 'Ann Buyer'), current, { deliveryId: randomUUID() })
    const first = await deliver(signed.init)
    expect(first).toMatchObject({ status: 200, outcome: 'invited', eventId: signed.init.headers['x-shopify-webhook-id'] })
    expect(await deliver(signed.init)).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(bridge.inviteRequestsTo('ann@example.com')).toBe(1)
    expect(bridge.identity.sandbox.users()[0]).toMatchObject({ email: 'ann@example.com', user_metadata: { full_name: 'Ann Buyer' } })
  })

  it('accepts a delivery signed with the previous client secret (rotation)', async () => {
    const { bridge, previous, deliver, order } = await start()
    expect(await deliver(shopifySender.sign(order('bo@example.com'), previous).init)).toMatchObject({ status: 200, outcome: 'invited' })
    expect(bridge.inviteRequestsTo('bo@example.com')).toBe(1)
  })

  describe('refuses, and invites nobody', () => {
    const without = (headers: Record<string, string>, name: string) => Object.fromEntries(Object.entries(headers).filter(([key]) => key !== name))
    it.each([
      ['unsigned', 400, 'missing_signature', (init: { headers: Record<string, string> }) => ({ ...init, headers: without(init.headers, 'x-shopify-hmac-sha256') })],
      ['forged (a made-up HMAC)', 401, 'invalid_signature', (init: { headers: Record<string, string> }) => ({ ...init, headers: { ...init.headers, 'x-shopify-hmac-sha256': randomBytes(32).toString('base64') } })],
      ['signed with another secret', 401, 'invalid_signature', (init: { headers: Record<string, string>; body: string }) => ({ ...init, headers: { ...init.headers, 'x-shopify-hmac-sha256': shopifyHmac(init.body, clientSecret()) } })],
      ['tampered: the body changed after signing', 401, 'invalid_signature', (init: { body: string }) => ({ ...init, body: init.body.replace('eve@', 'mallory@') })],
      ['no X-Shopify-Webhook-Id', 400, 'missing_header', (init: { headers: Record<string, string> }) => ({ ...init, headers: without(init.headers, 'x-shopify-webhook-id') })],
    ] as const)('%s: %i %s', async (_, status, code, breakIt) => {
      const { bridge, current, deliver, order } = await start()
      const init = breakIt(shopifySender.sign(order('eve@example.com'), current).init as any)
      expect(await deliver(init as RequestInit)).toMatchObject({ status, error: { code } })
      expect(bridge.inviteRequestsTo('eve@example.com') + bridge.inviteRequestsTo('mallory@example.com')).toBe(0)
    })
  })

  it('under rules: grants by product id, takes the role back on a refund of the order (buyer read from the Admin API)', async () => {
    const { bridge, api, current, deliver, order } = await start({
      rules: [
        { source: 'shopify', events: ['orders/paid'], match: { products: ['632910392'] }, roles: ['ipod'] },
        { source: 'shopify', events: ['refunds/create'], match: { variants: ['49148385'] }, revoke: ['ipod'] },
      ],
    })
    const roles = () => bridge.identity.sandbox.users().find((user) => user.email === 'ann@example.com')?.app_metadata?.roles
    expect(await deliver(shopifySender.sign(order('ann@example.com'), current).init)).toMatchObject({ status: 200, outcome: 'invited', roles: { granted: ['ipod'] } })
    expect(roles()).toEqual(['ipod'])
    const refund = shopifySender.samples['refunds/create']!({})
    expect(await deliver(shopifySender.sign(refund, current).init)).toMatchObject({ status: 200, outcome: 'roles_updated', roles: { revoked: ['ipod'] } })
    expect(roles()).toEqual([])
    expect(api.requests).toEqual([{ path: '/admin/api/2026-07/graphql.json', variables: { id: 'gid://shopify/Order/450789469' } }])
  })
})

describe('Shopify switched on or off', () => {
  it('is disabled, naming SHOPIFY_WEBHOOK_SECRET, when the secret is not set', async () => {
    bridge = await startTestBridge()
    const response = await bridge.app.request('/webhooks/shopify', { method: 'POST', body: '{}' })
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ error: { code: 'source_disabled', message: expect.stringContaining('SHOPIFY_WEBHOOK_SECRET') } })
  })

  it('starts with its built-in rule and no Admin API token; refund rules need SHOPIFY_ADMIN_TOKEN', async () => {
    bridge = await startTestBridge({ env: { SHOPIFY_WEBHOOK_SECRET: clientSecret() } })
    await expect(
      startTestBridge({ env: { SHOPIFY_WEBHOOK_SECRET: clientSecret() }, deps: async () => ({ rules: rulesFor({ rules: [{ source: 'shopify', events: ['refunds/create'], revoke: ['ipod'] }] }) }) }),
    ).rejects.toThrow(/rules\[0\] need the Shopify Admin API.*SHOPIFY_ADMIN_TOKEN/)
  })
})

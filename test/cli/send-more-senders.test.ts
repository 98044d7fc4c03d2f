import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve, type ServerType } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Env } from '../../src/core/config/env.ts'
import { lemonSqueezySender } from '../../src/handlers/lemonsqueezy/index.ts'
import { polarSender } from '../../src/handlers/polar/index.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { runCli } from '../helpers/cli.ts'

// `send` and `explain` for Polar and Lemon Squeezy, against the real app served on loopback.
const env: Env = {
  POLAR_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
  LEMONSQUEEZY_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
}
let bridge: TestBridge
let server: ServerType
let url: string
let dir: string

beforeAll(async () => {
  bridge = await startTestBridge({ env })
  server = serve({ fetch: bridge.app.fetch, hostname: '127.0.0.1', port: 0 })
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  dir = await mkdtemp(join(tmpdir(), 'invite-bridge-send-'))
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  await bridge.close()
  await rm(dir, { recursive: true, force: true })
})

const run = (argv: string[]) => runCli(argv, { ...env, BRIDGE_DATA_DIR: '/nonexistent-invite-bridge' })

describe('invite-bridge send polar|lemonsqueezy', () => {
  it('sends a signed Polar order.paid: one invite, and its retries are duplicates', async () => {
    const sent = await run(['send', 'polar', 'order.paid', '--email', 'polly@example.com', '--url', url, '--repeat', '3'])
    expect(sent).toMatchObject({ status: 0, err: [] })
    expect(sent.out).toEqual([
      '#1 200 invited',
      '#2 200 duplicate (event already handled (invited))',
      '#3 200 duplicate (event already handled (invited))',
      '3 sent: 1 invited, 2 duplicate',
    ])
    expect(bridge.inviteRequestsTo('polly@example.com')).toBe(1)
  })

  it('sends a signed Lemon Squeezy order_created: one invite, and its retries are duplicates', async () => {
    const sent = await run(['send', 'lemonsqueezy', 'order_created', '--email', 'lemony@example.com', '--url', url, '--repeat', '2'])
    expect(sent).toMatchObject({ status: 0, out: ['#1 200 invited', '#2 200 duplicate (event already handled (invited))', '2 sent: 1 invited, 1 duplicate'] })
    expect(bridge.inviteRequestsTo('lemony@example.com')).toBe(1)
  })

  it('a second send is a new purchase (a new event), which the person-level claim still invites only once', async () => {
    await run(['send', 'lemonsqueezy', 'order_created', '--email', 'again@example.com', '--url', url])
    const second = await run(['send', 'lemonsqueezy', 'order_created', '--email', 'again@example.com', '--url', url])
    // The ledger already knows this customer's account: the answer says so; identity is asked once.
    expect(second.out).toEqual([expect.stringMatching(/^#1 200 duplicate \(/)])
    expect(bridge.inviteRequestsTo('again@example.com')).toBe(1)
  })

  it('a body signed with another secret is refused, and nobody is invited', async () => {
    const sent = await run(['send', 'polar', 'order.paid', '--email', 'mallory@example.com', '--url', url, '--secret', 'whsec_bm90LXRoZS1zZWNyZXQ='])
    expect(sent.status).toBe(1)
    expect(sent.out[0]).toMatch(/^#1 401 invalid_signature/)
    expect(bridge.inviteRequestsTo('mallory@example.com')).toBe(0)
  })

  it.each([
    [['send', 'polar', 'order.paid'], '--email is required for Polar order.paid'],
    [['send', 'lemonsqueezy', 'order_paid', '--email', 'a@example.com'], 'unknown lemonsqueezy event "order_paid"; one of: order_created, order_refunded, subscription_expired'],
  ])('%j fails with one line and exit 2', async (argv, message) => {
    const { status, err } = await run(argv)
    expect(status).toBe(2)
    expect(err).toEqual([expect.stringContaining(message)])
  })
})

describe('invite-bridge explain polar|lemonsqueezy', () => {
  async function explain(source: string, payload: unknown) {
    const path = join(dir, `${source}-${randomBytes(4).toString('hex')}.json`)
    await writeFile(path, JSON.stringify(payload))
    const { status, out, err } = await run(['explain', path, '--source', source])
    return { status, out: out.join('\n'), err }
  }

  it('a Polar order.paid: who, the facts, and that the defaults invite', async () => {
    const { payload } = polarSender.samples['order.paid']!({ email: 'polly@example.com' })
    const { status, out } = await explain('polar', payload)
    expect(status).toBe(0)
    expect(out).toContain('Delivery: polar order.paid ((local file))')
    expect(out).toContain('Who:      polly@example.com')
    expect(out).toContain(`Facts:    products: ${payload.data.product_id}; prices: ${payload.data.items[0].product_price_id}`)
    expect(out).toContain('  invite:       yes')
  })

  it('a Lemon Squeezy order that is not paid is skipped', async () => {
    const { payload } = lemonSqueezySender.samples.order_created!({ email: 'lemony@example.com' })
    payload.data.attributes.status = 'pending'
    const { status, out } = await explain('lemonsqueezy', payload)
    expect(status).toBe(0)
    expect(out).toContain(`Delivery: lemonsqueezy order_created (order_created:orders:${payload.data.id})`)
    expect(out).toContain('Facts:    products: 98765; variants: 123456; test_mode: true')
    expect(out).toContain('Skipped: the order is not paid (status: pending)')
  })

  it('refuses a body of another sender, with exit 2', async () => {
    const { payload } = polarSender.samples['order.paid']!({ email: 'polly@example.com' })
    const { status, err } = await explain('lemonsqueezy', payload)
    expect(status).toBe(2)
    expect(err).toEqual([expect.stringContaining('not a Lemon Squeezy webhook body')])
  })
})

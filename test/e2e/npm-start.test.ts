import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { serveIdentitySandbox, type ServedIdentitySandbox } from '../../src/sandbox/serve.ts'
import { startNpmServer, type ChildServer } from '../helpers/child-server.ts'
import { stripeEvent } from '../helpers/fixtures.ts'
import { stripeRequest, stripeSecret } from '../helpers/signing.ts'

describe('npm start, over real HTTP', () => {
  let identity: ServedIdentitySandbox
  let dataDir: string
  let server: ChildServer
  const secret = stripeSecret()
  const jwtSecret = randomBytes(32).toString('hex')

  const env = () => ({
    PORT: '0', // any free port; the banner says which
    BRIDGE_DATA_DIR: dataDir,
    STRIPE_WEBHOOK_SECRET: secret,
    GITHUB_WEBHOOK_SECRET: '',
    IDENTITY_URL: identity.url,
    IDENTITY_ADMIN_TOKEN: '',
    IDENTITY_JWT_SECRET: jwtSecret,
    NODE_ENV: 'production',
  })

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'invite-bridge-e2e-'))
    identity = await serveIdentitySandbox({ jwtSecret, siteUrl: 'http://localhost:8888' })
    server = await startNpmServer(env())
  })
  afterAll(async () => {
    await server?.stop()
    await identity.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  // Each test works with the server as the others may have left it (restarted, with other people invited).
  it('prints what is enabled and where identity points, without the secret', async () => {
    const printed = server.output()
    expect(printed).toContain('stripe: http://localhost:')
    expect(printed).toContain('github: disabled (set GITHUB_WEBHOOK_SECRET)')
    expect(printed).toContain(`identity: ${identity.url}`)
    expect(printed).not.toContain(jwtSecret)
    expect(printed).not.toContain(secret)
  })

  it('invites a signed buyer, and remembers it across a kill -9 and restart', async () => {
    const event = stripeEvent('checkout.session.completed')
    const first = await fetch(`${server.url}/webhooks/stripe`, await stripeRequest(event, secret))
    expect(await first.json()).toMatchObject({ outcome: 'invited' })

    await server.kill()
    server = await startNpmServer(env())

    const again = await fetch(`${server.url}/webhooks/stripe`, await stripeRequest(event, secret))
    expect(again.status).toBe(200)
    expect(await again.json()).toMatchObject({ outcome: 'duplicate' })
    const invoice = await fetch(`${server.url}/webhooks/stripe`, await stripeRequest(stripeEvent('invoice.paid'), secret))
    expect(await invoice.json()).toMatchObject({ outcome: 'duplicate' })
    expect(identity.sandbox.invites.filter((invite) => invite.email === 'ann.buyer@example.com')).toHaveLength(1)
  })

  it('logs one JSON line per delivery with the address masked', async () => {
    const event = stripeEvent('checkout.session.completed', {
      id: 'evt_logged_delivery',
      // Lou is a customer of her own: the ledger links a Stripe customer to one account.
      object: { customer: 'cus_LouLogged0001', customer_details: { email: 'lou.logged@example.com', name: 'Lou Logged' } },
    })
    const before = server.output().length
    const deliveries = () =>
      server
        .output()
        .slice(before)
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((fields) => fields.source === 'stripe')
    for (let i = 0; i < 2; i++) expect((await fetch(`${server.url}/webhooks/stripe`, await stripeRequest(event, secret))).status).toBe(200)

    // The answer can arrive before the child's stdout does: wait, bounded, for both lines.
    await vi.waitFor(() => expect(deliveries()).toHaveLength(2), { timeout: 5000, interval: 20 })
    expect(deliveries()).toEqual([
      expect.objectContaining({ eventType: 'checkout.session.completed', outcome: 'invited', email: 'l***@example.com', durationMs: expect.any(Number) }),
      expect.objectContaining({ eventType: 'checkout.session.completed', outcome: 'duplicate' }),
    ])
    expect(server.output()).not.toContain('lou.logged@example.com')
  })
})

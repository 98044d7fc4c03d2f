import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { afterEach, describe, expect, it } from 'vitest'
import { loadSenders } from '../../src/handlers/senders.ts'
import { createNetlifyHandler } from '../../src/netlify.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { ACME, CRM } from '../helpers/defined-senders.ts'

// Senders that exist only as data in the rules file, delivered to end to end.
// Each delivery is signed here, independently of the bridge's own signers:
// Standard Webhooks with the `standardwebhooks` package, HMAC by hand.

const SHOP = {
  name: 'shop-b64',
  scheme: 'hmac-sha256',
  secretEnv: 'SHOP_WEBHOOK_SECRET',
  signatureHeader: 'X-Shop-Hmac',
  encoding: 'base64',
  id: '/id',
  eventType: '/topic',
  email: '/customer/email',
  occurredAt: '/created_at',
}
const STAMPED = {
  name: 'stamped',
  scheme: 'hmac-sha256',
  secretEnv: 'STAMPED_WEBHOOK_SECRET',
  signatureHeader: 'X-Signature',
  encoding: 'hex',
  timestampHeader: 'X-Timestamp',
  signedContent: 'timestamp.body',
  toleranceSeconds: 300,
  idHeader: 'X-Event-Id',
  eventType: '/type',
  email: '/person/email',
}

const RULES = {
  sources: [ACME, CRM, SHOP, STAMPED],
  rules: [
    { source: 'acme', events: ['user.paid'], roles: ['member'] },
    { source: 'acme', events: ['user.refunded'], revoke: ['member'] },
    { source: 'crm', events: ['contact.won'], roles: ['member'] },
    { source: 'shop-b64', events: ['orders/paid'], roles: ['member'] },
    { source: 'stamped', events: ['signup'] },
  ],
}

const secrets = () => ({
  acme: `whsec_${randomBytes(32).toString('base64')}`,
  crm: randomBytes(20).toString('hex'),
  shop: randomBytes(20).toString('hex'),
  stamped: randomBytes(20).toString('hex'),
})
type Secrets = ReturnType<typeof secrets>

let bridge: TestBridge | undefined
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
})

async function start(keys: Secrets, env: Record<string, string> = {}) {
  const { senders, rules } = loadSenders(RULES)
  bridge = await startTestBridge({
    env: {
      ACME_WEBHOOK_SECRET: keys.acme,
      CRM_WEBHOOK_SECRET: keys.crm,
      SHOP_WEBHOOK_SECRET: keys.shop,
      STAMPED_WEBHOOK_SECRET: keys.stamped,
      ...env,
    },
    senders,
    deps: async () => ({ rules }),
  })
  return bridge
}

interface Request {
  path: string
  headers: Record<string, string>
  body: string
}

async function deliver(request: Request) {
  const response = await bridge!.app.request(request.path, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body: request.body })
  return { status: response.status, ...((await response.json()) as Record<string, any>) }
}

function acme(secret: string, email: string, options: { type?: string; id?: string; at?: Date } = {}): Request {
  const body = JSON.stringify({
    type: options.type ?? 'user.paid',
    timestamp: new Date().toISOString(),
    data: { email, full_name: 'Ann Acme', customer_id: `cus_acme_${email.split('@')[0]}` },
  })
  const id = options.id ?? `msg_${randomUUID()}`
  const at = options.at ?? new Date()
  const signature = new Webhook(secret).sign(id, at, body)
  return { path: '/webhooks/acme', headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature }, body }
}

const hmac = (secret: string, text: string, encoding: 'hex' | 'base64') => createHmac('sha256', secret).update(text).digest(encoding)

function crm(secret: string, email: string, id = randomUUID()): Request {
  const body = JSON.stringify({ event: 'contact.won', contact: { email, name: 'Cory' } })
  return { path: '/webhooks/crm', headers: { 'X-Crm-Signature': `sha256=${hmac(secret, body, 'hex')}`, 'X-Crm-Delivery': id }, body }
}

function shop(secret: string, email: string): Request {
  const body = JSON.stringify({ id: randomUUID(), topic: 'orders/paid', created_at: Math.floor(Date.now() / 1000), customer: { email } })
  return { path: '/webhooks/shop-b64', headers: { 'X-Shop-Hmac': hmac(secret, body, 'base64') }, body }
}

function stamped(secret: string, email: string, options: { at?: number; id?: string } = {}): Request {
  const body = JSON.stringify({ type: 'signup', person: { email } })
  const t = String(Math.floor((options.at ?? Date.now()) / 1000))
  return {
    path: '/webhooks/stamped',
    headers: { 'X-Signature': hmac(secret, `${t}.${body}`, 'hex'), 'X-Timestamp': t, 'X-Event-Id': options.id ?? randomUUID() },
    body,
  }
}

describe('a standard-webhooks sender defined in the rules file', () => {
  it('invites once with the role and the name; the retry (same webhook-id) is a duplicate', async () => {
    const keys = secrets()
    await start(keys)
    const request = acme(keys.acme, 'ann@example.com')
    expect(await deliver(request)).toMatchObject({ status: 200, outcome: 'invited', roles: { granted: ['member'], revoked: [] } })
    expect(await deliver(request)).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(bridge!.inviteRequestsTo('ann@example.com')).toBe(1)
    expect(bridge!.idp.users()[0]).toMatchObject({ email: 'ann@example.com', user_metadata: { full_name: 'Ann Acme' }, app_metadata: { roles: ['member'] } })
  })

  it('takes the role away on the event a revoke rule names', async () => {
    const keys = secrets()
    await start(keys)
    await deliver(acme(keys.acme, 'rev@example.com'))
    expect(await deliver(acme(keys.acme, 'rev@example.com', { type: 'user.refunded' }))).toMatchObject({ status: 200, outcome: 'roles_updated', roles: { revoked: ['member'] } })
  })

  it('answers ignored for an event no rule names', async () => {
    const keys = secrets()
    await start(keys)
    expect(await deliver(acme(keys.acme, 'x@example.com', { type: 'user.viewed' }))).toMatchObject({ status: 200, outcome: 'ignored' })
    expect(bridge!.inviteRequestsTo('x@example.com')).toBe(0)
  })

  it('accepts either secret during a rotation', async () => {
    const keys = secrets()
    const next = `whsec_${randomBytes(32).toString('base64')}`
    await start(keys, { ACME_WEBHOOK_SECRET: `${next},${keys.acme}` })
    expect(await deliver(acme(keys.acme, 'old@example.com'))).toMatchObject({ status: 200, outcome: 'invited' })
    expect(await deliver(acme(next, 'new@example.com'))).toMatchObject({ status: 200, outcome: 'invited' })
  })

  describe('refuses, and invites no one:', () => {
    const cases: [string, (keys: Secrets) => Request, number][] = [
      ['signed with another secret', () => acme(`whsec_${randomBytes(32).toString('base64')}`, 'eve@example.com'), 401],
      [
        'a body changed after signing',
        (keys) => {
          const request = acme(keys.acme, 'ann@example.com')
          return { ...request, body: request.body.replace('ann@example.com', 'eve@example.com') }
        },
        401,
      ],
      ['signed 10 minutes ago (a replay)', (keys) => acme(keys.acme, 'eve@example.com', { at: new Date(Date.now() - 600_000) }), 401],
      [
        'unsigned',
        (keys) => {
          const { 'webhook-signature': _, ...headers } = acme(keys.acme, 'eve@example.com').headers
          return { ...acme(keys.acme, 'eve@example.com'), headers }
        },
        400,
      ],
    ]
    it.each(cases)('%s', async (_name, make, status) => {
      const keys = secrets()
      await start(keys)
      expect(await deliver(make(keys))).toMatchObject({ status })
      expect(bridge!.inviteRequestsTo('eve@example.com')).toBe(0)
      expect(bridge!.inviteRequestsTo('ann@example.com')).toBe(0)
    })
  })

  it('refuses a signed body without the event type at its pointer (400), inviting no one', async () => {
    const keys = secrets()
    await start(keys)
    const body = JSON.stringify({ kind: 'user.paid', data: { email: 'eve@example.com' } })
    const id = randomUUID()
    const at = new Date()
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(keys.acme).sign(id, at, body) }
    expect(await deliver({ path: '/webhooks/acme', headers, body })).toMatchObject({ status: 400, error: { code: 'invalid_event', message: expect.stringContaining('/type') } })
    expect(bridge!.inviteRequestsTo('eve@example.com')).toBe(0)
  })
})

describe('hmac-sha256 senders defined in the rules file', () => {
  it('hex with a prefix, id from a header: invites once, the retry is a duplicate', async () => {
    const keys = secrets()
    await start(keys)
    const request = crm(keys.crm, 'cory@example.com')
    expect(await deliver(request)).toMatchObject({ status: 200, outcome: 'invited', roles: { granted: ['member'] } })
    expect(await deliver(request)).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(bridge!.inviteRequestsTo('cory@example.com')).toBe(1)
  })

  it('base64, id from the body: invites once, the retry is a duplicate', async () => {
    const keys = secrets()
    await start(keys)
    const request = shop(keys.shop, 'sho@example.com')
    expect(await deliver(request)).toMatchObject({ status: 200, outcome: 'invited', eventId: JSON.parse(request.body).id })
    expect(await deliver(request)).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(bridge!.inviteRequestsTo('sho@example.com')).toBe(1)
  })

  it('timestamp.body with a tolerance: invites once, the retry is a duplicate', async () => {
    const keys = secrets()
    await start(keys)
    const request = stamped(keys.stamped, 'sam@example.com')
    expect(await deliver(request)).toMatchObject({ status: 200, outcome: 'invited' })
    expect(await deliver(request)).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(bridge!.inviteRequestsTo('sam@example.com')).toBe(1)
  })

  it('accepts either secret during a rotation', async () => {
    const keys = secrets()
    const next = randomBytes(20).toString('hex')
    await start(keys, { CRM_WEBHOOK_SECRET: `${next},${keys.crm}` })
    expect(await deliver(crm(keys.crm, 'old@example.com'))).toMatchObject({ status: 200, outcome: 'invited' })
    expect(await deliver(crm(next, 'new@example.com'))).toMatchObject({ status: 200, outcome: 'invited' })
  })

  describe('refuses, and invites no one:', () => {
    const other = () => randomBytes(20).toString('hex')
    const cases: [string, (keys: Secrets) => Request, number][] = [
      ['hex signed with another secret', () => crm(other(), 'eve@example.com'), 401],
      ['base64 signed with another secret', () => shop(other(), 'eve@example.com'), 401],
      ['timestamped, signed with another secret', () => stamped(other(), 'eve@example.com'), 401],
      [
        'a forged hex signature',
        (keys) => {
          const request = crm(keys.crm, 'eve@example.com')
          return { ...request, headers: { ...request.headers, 'X-Crm-Signature': `sha256=${randomBytes(32).toString('hex')}` } }
        },
        401,
      ],
      [
        'the right digest without the prefix',
        (keys) => {
          const request = crm(keys.crm, 'eve@example.com')
          return { ...request, headers: { ...request.headers, 'X-Crm-Signature': request.headers['X-Crm-Signature']!.slice('sha256='.length) } }
        },
        401,
      ],
      [
        'a hex body changed after signing',
        (keys) => {
          const request = crm(keys.crm, 'ann@example.com')
          return { ...request, body: request.body.replace('ann@example.com', 'eve@example.com') }
        },
        401,
      ],
      [
        'a base64 body changed after signing',
        (keys) => {
          const request = shop(keys.shop, 'ann@example.com')
          return { ...request, body: request.body.replace('ann@example.com', 'eve@example.com') }
        },
        401,
      ],
      [
        'a timestamp changed after signing',
        (keys) => {
          const request = stamped(keys.stamped, 'eve@example.com')
          return { ...request, headers: { ...request.headers, 'X-Timestamp': String(Number(request.headers['X-Timestamp']) - 1) } }
        },
        401,
      ],
      ['signed 10 minutes ago (a replay)', (keys) => stamped(keys.stamped, 'eve@example.com', { at: Date.now() - 600_000 }), 401],
      [
        'without the timestamp header',
        (keys) => {
          const { 'X-Timestamp': _, ...headers } = stamped(keys.stamped, 'eve@example.com').headers
          return { ...stamped(keys.stamped, 'eve@example.com'), headers }
        },
        400,
      ],
      [
        'unsigned',
        (keys) => {
          const { 'X-Crm-Signature': _, ...headers } = crm(keys.crm, 'eve@example.com').headers
          return { ...crm(keys.crm, 'eve@example.com'), headers }
        },
        400,
      ],
      [
        'without the id header',
        (keys) => {
          const { 'X-Crm-Delivery': _, ...headers } = crm(keys.crm, 'eve@example.com').headers
          return { ...crm(keys.crm, 'eve@example.com'), headers }
        },
        400,
      ],
    ]
    it.each(cases)('%s', async (_name, make, status) => {
      const keys = secrets()
      await start(keys)
      expect(await deliver(make(keys))).toMatchObject({ status })
      expect(bridge!.inviteRequestsTo('eve@example.com')).toBe(0)
      expect(bridge!.inviteRequestsTo('ann@example.com')).toBe(0)
    })
  })

  it('is served, disabled and named by its variable, when its secret is not set, and shows in /health', async () => {
    const keys = secrets()
    await start(keys, { CRM_WEBHOOK_SECRET: '' })
    const response = await bridge!.app.request('/webhooks/crm', { method: 'POST', body: '{}' })
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ error: { code: 'source_disabled', message: expect.stringContaining('CRM_WEBHOOK_SECRET') } })
    expect(await (await bridge!.app.request('/health')).json()).toMatchObject({ sources: { acme: true, crm: false, 'shop-b64': true, stamped: true } })
  })
})

describe('the Netlify function', () => {
  it('reads the sources of the rules file it bundles: a bad definition answers 503 naming the field, on every route', async () => {
    const { email: _, ...withoutEmail } = ACME
    const handler = createNetlifyHandler({ rules: { sources: [withoutEmail], rules: [] } })
    const response = await handler(new Request('https://site.example/webhooks/acme', { method: 'POST', body: '{}' }), {} as never)
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_configuration', message: expect.stringContaining('sources[0].email: required') } })
  })
})

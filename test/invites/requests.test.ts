import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bridgeConfig } from '../helpers/senders.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { stripeEvent } from '../helpers/fixtures.ts'
import { apiKey, postInvites } from '../helpers/invites.ts'
import { stripeRequest } from '../helpers/signing.ts'

let bridge: TestBridge
let key: string
beforeEach(async () => {
  key = apiKey()
  bridge = await startTestBridge({ env: { INVITE_API_KEYS: key, INVITE_MAX_BATCH: '5', INVITE_ALLOWED_DOMAINS: 'example.com, @Partner.example' } })
})
afterEach(async () => {
  await bridge.close()
})

const invite = (body: unknown) => postInvites(bridge.app, body, key)

describe('POST /invites: the answer', () => {
  it('has one result per address in the order sent, and a summary', async () => {
    const answer = await invite({ emails: ['  Ann@Example.com ', 'not an address', 'ann@example.com', 'bob@partner.example'], data: { plan: 'team' } })
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({
      results: [
        { email: 'ann@example.com', outcome: 'invited' },
        { email: 'not an address', outcome: 'rejected', reason: 'not a valid email address' },
        { email: 'ann@example.com', outcome: 'duplicate', reason: 'listed earlier in this request' },
        { email: 'bob@partner.example', outcome: 'invited' },
      ],
      summary: { requested: 4, invited: 2, already_registered: 0, duplicate: 1, rejected: 1, in_progress: 0, failed: 0, dry_run: 0 },
    })
    // The invites go out concurrently and the sandbox keeps them in the order they finish: compare them as a set.
    const users = bridge.identity.sandbox.users().toSorted((a, b) => a.email.localeCompare(b.email))
    expect(users.map((user) => [user.email, user.user_metadata])).toEqual([
      ['ann@example.com', { plan: 'team' }],
      ['bob@partner.example', { plan: 'team' }],
    ])
  })

  it('accepts data nested as deep as the limit allows, and refuses one level more', async () => {
    // 20 objects deep: {inner: {inner: ... {leaf: true}}}.
    const nested = Array.from({ length: 19 }).reduce<Record<string, unknown>>((inner) => ({ inner }), { leaf: true })
    expect((await invite({ email: 'bob@example.com', data: { inner: nested } })).status).toBe(400)
    const answer = await invite({ email: 'ann@example.com', data: nested })
    expect(answer.status).toBe(200)
    expect(bridge.identity.sandbox.users().map((user) => [user.email, user.user_metadata])).toEqual([['ann@example.com', nested]])
  })

  it('invites once when asked twice: the second answer is all duplicate', async () => {
    const list = { emails: ['ann@example.com', 'bob@example.com'] }
    expect((await invite(list)).body.summary).toMatchObject({ invited: 2 })
    const again = await invite(list)
    expect(again.status).toBe(200)
    expect(again.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['duplicate', 'duplicate'])
    expect(bridge.identity.sandbox.invites).toHaveLength(2)
  })

  it('answers duplicate for a person a Stripe webhook already invited (same person key)', async () => {
    expect((await bridge.app.request('/webhooks/stripe', await stripeRequest(stripeEvent('invoice.paid'), bridge.secrets.stripe))).status).toBe(200)
    const answer = await invite({ email: 'ANN.BUYER@example.com' })
    expect(answer.body.results).toEqual([{ email: 'ann.buyer@example.com', outcome: 'duplicate', reason: 'person already handled (invited)' }])
    expect(bridge.invitesTo('ann.buyer@example.com')).toBe(1)
  })

  it('answers already_registered for someone who has an account the bridge never saw', async () => {
    const token = await bridge.identity.sandbox.adminToken()
    await fetch(`${bridge.identity.url}/invite`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ email: 'ann@example.com' }) })
    expect((await invite({ email: 'ann@example.com' })).body.results[0].outcome).toBe('already_registered')
    expect(bridge.invitesTo('ann@example.com')).toBe(1)
  })

  it('rejects a domain not in INVITE_ALLOWED_DOMAINS for that address only; subdomains are not included', async () => {
    const answer = await invite({ emails: ['ann@example.com', 'eve@evil.example', 'sub@mail.example.com'] })
    expect(answer.status).toBe(200)
    expect(answer.body.results).toEqual([
      { email: 'ann@example.com', outcome: 'invited' },
      { email: 'eve@evil.example', outcome: 'rejected', reason: 'domain not allowed: evil.example is not in INVITE_ALLOWED_DOMAINS' },
      { email: 'sub@mail.example.com', outcome: 'rejected', reason: 'domain not allowed: mail.example.com is not in INVITE_ALLOWED_DOMAINS' },
    ])
    expect(bridge.identity.sandbox.invites.map((sent) => sent.email)).toEqual(['ann@example.com'])
  })

  it('logs one line with counts and no address, masked or not, for a batch', async () => {
    await invite({ emails: ['ann@example.com', 'bob@example.com', 'nope'] })
    expect(bridge.logs).toEqual([
      expect.objectContaining({ route: 'invites', status: 200, requested: 3, invited: 2, rejected: 1, durationMs: expect.any(Number) }),
    ])
    expect(bridge.logs[0]).not.toHaveProperty('email')
    expect(JSON.stringify(bridge.logs)).not.toMatch(/@example\.com/)
  })

  it('masks the address when the request names one', async () => {
    await invite({ email: 'ann@example.com' })
    expect(bridge.logs[0]).toMatchObject({ email: 'a***@example.com' })
  })
})

describe('POST /invites: requests refused whole, with nothing invited', () => {
  afterEach(() => {
    expect(bridge.identity.sandbox.invites).toHaveLength(0)
  })

  it.each<[string, unknown]>([
    ['a body that is not JSON', 'email=ann@example.com'],
    ['a JSON array', ['ann@example.com']],
    ['no email or emails', { data: { plan: 'team' } }],
    ['email not a string', { email: ['ann@example.com'] }],
    ['emails not an array', { emails: 'ann@example.com' }],
    ['emails with a non-string', { emails: ['ann@example.com', 7] }],
    ['emails empty', { emails: [] }],
    ['both email and emails', { email: 'ann@example.com', emails: ['bob@example.com'] }],
    ['data not an object', { email: 'ann@example.com', data: 'team' }],
    ['data an array', { email: 'ann@example.com', data: ['team'] }],
    ['an unknown field (a typo)', { emial: 'ann@example.com' }],
  ])('400 for %s', async (_name, body) => {
    const answer = await invite(body)
    expect(answer.status).toBe(400)
    expect(answer.body.error.code).toMatch(/^(bad_request|invalid_json)$/)
  })

  it('400 for data nested 10,000 deep, which no metadata needs and JSON.stringify cannot write back out', async () => {
    const depth = 10_000
    const body = `{"email":"ann@example.com","data":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`
    const answer = await invite(body)
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'bad_request', message: expect.stringContaining('nested') } } })
  })

  it('400 for data larger than user metadata should be', async () => {
    const answer = await invite({ email: 'ann@example.com', data: { notes: 'x'.repeat(20_000) } })
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'bad_request', message: expect.stringContaining('"data"') } } })
  })

  it('413 for more addresses than INVITE_MAX_BATCH, even when some repeat', async () => {
    const answer = await invite({ emails: ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com', 'e@example.com', 'a@example.com'] })
    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'batch_too_large', message: expect.stringContaining('INVITE_MAX_BATCH') } } })
  })

  it('checks credentials before reading the body', async () => {
    expect((await postInvites(bridge.app, 'not json')).status).toBe(401)
  })
})

describe('settings', () => {
  it.each([
    [{ INVITE_API_KEYS: 'short' }, 'at least 16 characters'],
    [{ INVITE_ALLOWED_DOMAINS: '*.example.com' }, 'no wildcards'],
    [{ INVITE_MAX_BATCH: '0' }, 'INVITE_MAX_BATCH'],
    [{ INVITE_HOURLY_LIMIT: 'lots' }, 'INVITE_HOURLY_LIMIT'],
  ])('refuses %j with a message naming the fix', (env, message) => {
    expect(() => bridgeConfig(env)).toThrow(message)
  })

  it('reads the defaults', () => {
    expect(bridgeConfig({}).invites).toEqual({ apiKeys: [], adminRole: 'admin', maxBatch: 100, allowedDomains: null, hourlyLimit: 100 })
  })
})

describe('POST /invites under BRIDGE_DRY_RUN', () => {
  it('checks the caller and every address, and invites nobody', async () => {
    const { startTestBridge } = await import('../helpers/bridge.ts')
    const { randomBytes } = await import('node:crypto')
    const key = randomBytes(24).toString('hex')
    const dry = await startTestBridge({ env: { BRIDGE_DRY_RUN: '1', INVITE_API_KEYS: key } })
    try {
      const response = await dry.app.request('/invites', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ emails: ['ann@example.com', 'nope'] }),
      })
      expect(response.status).toBe(200)
      const body = (await response.json()) as { results: Array<{ outcome: string }> }
      expect(body.results.map((result) => result.outcome)).toEqual(['dry_run', 'rejected'])
      expect(dry.identity.sandbox.invites).toHaveLength(0)
      const unauthorised = await dry.app.request('/invites', { method: 'POST', body: JSON.stringify({ email: 'ann@example.com' }) })
      expect(unauthorised.status).toBe(401)
    } finally {
      await dry.close()
    }
  })
})

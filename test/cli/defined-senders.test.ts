import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve, type ServerType } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Env } from '../../src/core/config/env.ts'
import { loadSenders } from '../../src/handlers/senders.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { ACME, CRM } from '../helpers/defined-senders.ts'
import { runCli } from '../helpers/cli.ts'

// check-config, send and explain for senders the rules file defines.
const RULES = {
  sources: [ACME, CRM],
  rules: [
    { source: 'acme', events: ['user.paid'], roles: ['member'] },
    { source: 'acme', events: ['user.refunded'], revoke: ['member'] },
    { source: 'crm', events: ['contact.won'] },
  ],
}

const env: Env = { ACME_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`, CRM_WEBHOOK_SECRET: randomBytes(20).toString('hex') }
let dir: string
let rulesPath: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'invite-bridge-defined-'))
  rulesPath = await rulesFile(RULES)
})
afterAll(() => rm(dir, { recursive: true, force: true }))

let files = 0
async function rulesFile(content: unknown): Promise<string> {
  const path = join(dir, `rules-${++files}.json`)
  await writeFile(path, JSON.stringify(content))
  return path
}

async function run(argv: string[], extra: Env = {}) {
  const { status, out, err } = await runCli(argv, { ...env, BRIDGE_DATA_DIR: '/nonexistent-invite-bridge', ...extra })
  return { status, out: out.join('\n'), err: err.join('\n') }
}

describe('invite-bridge check-config with senders the file defines', () => {
  it('lists them with their route and variable, and accepts rules on any event of theirs', async () => {
    const { status, out, err } = await run(['check-config', '--config', rulesPath])
    expect({ status, err }).toEqual({ status: 0, err: '' })
    expect(out).toContain('Senders the file defines (2):\n  acme: /webhooks/acme, Standard Webhooks, secret in ACME_WEBHOOK_SECRET\n  crm: /webhooks/crm, HMAC-SHA256 in X-Crm-Signature (hex), secret in CRM_WEBHOOK_SECRET')
    expect(out).toContain('rules[1]  acme\n  events: user.refunded\n  match:  (none: every such event)\n  does:   revokes roles member (never invites)')
  })

  it('prints JSON that is itself the same rules file, sources included', async () => {
    const { status, out } = await run(['check-config', '--config', rulesPath, '--json'])
    expect(status).toBe(0)
    expect(JSON.parse(out)).toEqual(RULES)
    expect(loadSenders(JSON.parse(out)).senders.map((sender) => sender.name)).toEqual(['stripe', 'github', 'polar', 'lemonsqueezy', 'paddle', 'shopify', 'acme', 'crm'])
  })

  it('warns about a rule that invites on an event another rule revokes on', async () => {
    const path = await rulesFile({ ...RULES, rules: [...RULES.rules, { source: 'acme', events: ['user.refunded'], roles: ['x'] }] })
    const { status, err } = await run(['check-config', '--config', path])
    expect(status).toBe(0)
    expect(err).toContain('warning: rules[3] invites on user.refunded')
  })

  const { email: _, ...withoutEmail } = ACME
  const { signedContent: __, ...stampedWithoutContent } = { ...CRM, timestampHeader: 'X-Crm-Timestamp', signedContent: 'timestamp.body' }
  it.each([
    ['a missing email pointer', withoutEmail, 'sources[0].email: required'],
    ['a pointer without its leading /', { ...ACME, eventType: 'type' }, 'sources[0].eventType: a JSON Pointer (RFC 6901)'],
    ['a pointer with a bad escape', { ...ACME, email: '/data/e~2mail' }, 'sources[0].email: a JSON Pointer (RFC 6901)'],
    ['a name shadowing a built-in sender', { ...ACME, name: 'stripe' }, 'sources[0].name: "stripe" is a built-in sender'],
    ['a name that is not a route segment', { ...ACME, name: 'Acme Inc' }, 'sources[0].name: a name is 1–40 lower-case letters'],
    ['an unknown scheme', { ...ACME, scheme: 'hmac-md5' }, 'sources[0].scheme: "scheme" is "standard-webhooks" or "hmac-sha256"'],
    ['a timestampHeader without signedContent', stampedWithoutContent, 'sources[0].signedContent: with a "timestampHeader", say what is signed'],
    ['timestamp.body without a timestampHeader', { ...CRM, signedContent: 'timestamp.body' }, 'sources[0].timestampHeader: "timestamp.body" is signed with the timestamp'],
    ['a tolerance without a timestampHeader', { ...CRM, toleranceSeconds: 60 }, 'sources[0].toleranceSeconds: a tolerance needs a "timestampHeader"'],
    ['no event id', { ...CRM, idHeader: undefined }, 'sources[0].idHeader: say where the event id is'],
    ['both id header and id pointer', { ...CRM, id: '/id' }, 'sources[0].idHeader: give "idHeader" or "id", not both'],
    ['an hmac field on a standard-webhooks source', { ...ACME, signatureHeader: 'X-Sig' }, 'sources[0].signatureHeader: not a field of a standard-webhooks source'],
    ['a bad encoding', { ...CRM, encoding: 'base32' }, 'sources[0].encoding: the signature\'s encoding: "hex" or "base64"'],
    ['a header name with a space', { ...CRM, signatureHeader: 'X Crm Signature' }, 'sources[0].signatureHeader: a header name'],
  ])('exits 1 on %s, naming the field by its path', async (_name, source, message) => {
    const path = await rulesFile({ sources: [JSON.parse(JSON.stringify(source))], rules: [] })
    const { status, err } = await run(['check-config', '--config', path])
    expect(status).toBe(1)
    expect(err).toContain(`is not valid:\n  ${message}`)
  })

  it('exits 1 when two sources share a name, and when a rule names a source nobody defined', async () => {
    const twice = await run(['check-config', '--config', await rulesFile({ sources: [ACME, { ...CRM, name: 'acme' }], rules: [] })])
    expect(twice).toMatchObject({ status: 1, err: expect.stringContaining('sources[1].name: another source is named "acme"') })
    const unknown = await run(['check-config', '--config', await rulesFile({ sources: [ACME], rules: [{ source: 'crm', events: ['contact.won'] }] })])
    expect(unknown).toMatchObject({ status: 1, err: expect.stringContaining('rules[0].source') })
  })
})

describe('invite-bridge send and explain for a sender the file defines', () => {
  let bridge: TestBridge
  let server: ServerType
  let url: string
  beforeAll(async () => {
    const { senders, rules } = loadSenders(RULES)
    bridge = await startTestBridge({ env, senders, deps: async () => ({ rules }) })
    server = serve({ fetch: bridge.app.fetch, hostname: '127.0.0.1', port: 0 })
    if (!server.listening) await new Promise((resolve) => server.once('listening', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    await bridge.close()
  })

  it('send builds a Standard Webhooks body at the pointers and signs it: one invite, retries are duplicates', async () => {
    const sent = await run(['send', 'acme', 'user.paid', '--email', 'ann@example.com', '--name', 'Ann', '--url', url, '--repeat', '2', '--config', rulesPath])
    expect(sent).toMatchObject({ status: 0, err: '' })
    expect(sent.out).toBe('#1 200 invited\n#2 200 duplicate (event already handled (invited))\n2 sent: 1 invited, 1 duplicate')
    expect(bridge.inviteRequestsTo('ann@example.com')).toBe(1)
    expect(bridge.identity.sandbox.users().find((user) => user.email === 'ann@example.com')).toMatchObject({ user_metadata: { full_name: 'Ann' } })
  })

  it('send signs an hmac-sha256 body with its prefix and id header (INVITE_BRIDGE_CONFIG names the file)', async () => {
    const sent = await run(['send', 'crm', 'contact.won', '--email', 'cory@example.com', '--url', url, '--repeat', '2'], { INVITE_BRIDGE_CONFIG: rulesPath })
    expect(sent.out).toBe('#1 200 invited\n#2 200 duplicate (event already handled (invited))\n2 sent: 1 invited, 1 duplicate')
    expect(bridge.inviteRequestsTo('cory@example.com')).toBe(1)
  })

  it('send signed with another secret is refused, and nobody is invited', async () => {
    const sent = await run(['send', 'crm', 'contact.won', '--email', 'eve@example.com', '--url', url, '--config', rulesPath, '--secret', 'not-the-secret'])
    expect(sent.status).toBe(1)
    expect(sent.out).toMatch(/^#1 401 invalid_signature/)
    expect(bridge.inviteRequestsTo('eve@example.com')).toBe(0)
  })

  it.each([
    [['send', 'acme', 'user.paid'], '--email is required for acme: it goes at /data/email'],
    [['send', 'acme', 'user.left', '--email', 'a@example.com'], 'unknown acme event "user.left"; one of: user.paid, user.refunded'],
    [['send', 'nobody', 'x'], 'the first argument must be stripe, github, polar, lemonsqueezy, paddle, shopify, acme or crm'],
  ])('%j fails with one line and exit 2', async (argv, message) => {
    const sent = await run([...argv, '--config', rulesPath])
    expect(sent).toMatchObject({ status: 2, err: `invite-bridge send: ${message}` })
  })

  it('explain reads the body at the pointers and shows the plan', async () => {
    const payload = join(dir, 'acme-paid.json')
    await writeFile(payload, JSON.stringify({ type: 'user.paid', timestamp: '2026-11-01T10:00:00Z', data: { email: 'Ann@Example.com', customer_id: 'cus_1' } }))
    const { status, out } = await run(['explain', payload, '--source', 'acme', '--config', rulesPath])
    expect(status).toBe(0)
    expect(out).toContain('Delivery: acme user.paid ((local file))')
    expect(out).toContain('Who:      ann@example.com')
    expect(out).toContain('rules[0] matches: invites, grants roles member')
    expect(out).toContain('grant roles:  member')
  })

  it('explain --json gives who and the plan for an hmac-sha256 body (its id is a header, which a file has not)', async () => {
    const payload = join(dir, 'crm-won.json')
    await writeFile(payload, JSON.stringify({ event: 'contact.won', contact: { email: 'cory@example.com' } }))
    const { status, out } = await run(['explain', payload, '--source', 'crm', '--config', rulesPath, '--json'])
    expect(status).toBe(0)
    expect(JSON.parse(out)).toMatchObject({ source: 'crm', event: 'contact.won', outcome: 'planned', recipient: { kind: 'email', email: 'cory@example.com' }, plan: { invite: true } })
  })

  it('explain refuses a body without the event type at its pointer (exit 2)', async () => {
    const payload = join(dir, 'crm-bad.json')
    await writeFile(payload, JSON.stringify({ kind: 'contact.won' }))
    const { status, err } = await run(['explain', payload, '--source', 'crm', '--config', rulesPath])
    expect(status).toBe(2)
    expect(err).toContain('no event type at /event')
  })
})

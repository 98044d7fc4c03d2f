import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Explanation } from '../../src/cli/explain-delivery.ts'
import type { Env } from '../../src/core/config/env.ts'
import { fixturePath, stripeEvent } from '../helpers/fixtures.ts'
import { serveStripeApi } from '../helpers/stripe-api.ts'
import { runCli } from '../helpers/cli.ts'

const fixture = fixturePath
const PAID_SESSION = 'cs_test_a1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvWxYz1234567890abcdEF'

const RULES = {
  rules: [
    { source: 'stripe', events: ['checkout.session.completed'], match: { prices: ['price_pro'] }, roles: ['pro'] },
    { source: 'stripe', events: ['checkout.session.completed'], match: { prices: ['price_team'] }, roles: ['team'] },
    { source: 'github', events: ['organization.member_removed'], match: { orgs: ['Octocoders'] }, revoke: ['staff'] },
  ],
}

let dir: string
let rulesPath: string
let double: Awaited<ReturnType<typeof serveStripeApi>>
let env: Env
const key = `rk_test_${randomBytes(12).toString('hex')}`

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'invite-bridge-explain-'))
  rulesPath = join(dir, 'invite-bridge.config.json')
  await writeFile(rulesPath, JSON.stringify(RULES))
  double = await serveStripeApi(key, {
    lineItems: {
      [PAID_SESSION]: [{ price: 'price_pro', product: 'prod_pro' }],
      cs_test_other: [{ price: 'price_other', product: 'prod_other' }],
    },
  })
  env = { INVITE_BRIDGE_CONFIG: rulesPath, STRIPE_SECRET_KEY: key, STRIPE_API_URL: double.url }
})
afterAll(async () => {
  await double.close()
  await rm(dir, { recursive: true, force: true })
})
beforeEach(() => {
  double.requests.length = 0
})

async function payloadFile(name: string, payload: unknown): Promise<string> {
  const path = join(dir, `${name}.json`)
  await writeFile(path, JSON.stringify(payload))
  return path
}

async function run(argv: string[], runEnv: Env = env) {
  const { status, out, err } = await runCli(['explain', ...argv], runEnv)
  return { status, out: out.join('\n'), err: err.join('\n'), errLines: err }
}

/** explain reads and never writes: every call it made to Stripe is a GET. */
function expectOnlyReads() {
  expect(double.requests.every((request) => request.startsWith('GET '))).toBe(true)
}

describe('invite-bridge explain', () => {
  it('prints complete help', async () => {
    const { status, out } = await run(['--help'])
    expect(status).toBe(0)
    for (const text of ['--source', '--event', '--config', '--json', 'STRIPE_SECRET_KEY', 'X-GitHub-Event', 'Exit status']) expect(out).toContain(text)
  })

  it('reads the checkout line items from the Stripe API and says which rule matches and which role is granted', async () => {
    const { status, out, err } = await run([fixture('stripe/checkout.session.completed'), '--source', 'stripe'])
    expect({ status, err }).toEqual({ status: 0, err: '' })
    expect(out).toContain('Who:      ann.buyer@example.com')
    expect(out).toContain('items: price_pro (prod_pro), read from the Stripe API')
    expect(out).toContain('rules[0] matches: invites, grants roles pro')
    expect(out).toContain('rules[1] does not match')
    expect(out).toContain('  invite:       yes')
    expect(out).toContain('  grant roles:  pro\n')
    expect(out).toContain('  data:         {"full_name":"Ann Buyer"}')
    expect(double.requests).toEqual([`GET /v1/checkout/sessions/${PAID_SESSION}/line_items`])
    expectOnlyReads()
  })

  it('prints --json as a machine-readable result', async () => {
    const { status, out } = await run([fixture('stripe/checkout.session.completed'), '--source', 'stripe', '--json'])
    expect(status).toBe(0)
    const result = JSON.parse(out) as Explanation
    expect(result).toMatchObject({
      source: 'stripe',
      event: 'checkout.session.completed',
      outcome: 'planned',
      recipient: { kind: 'email' },
      rules: [{ index: 0, matched: true }, { index: 1, matched: false }],
      plan: { invite: true, grant: ['pro'], revoke: [], matched: [0] },
      itemsRead: true,
    })
    expect((result.facts.stripe as { items?: unknown } | undefined)?.items).toEqual([{ price: 'price_pro', product: 'prod_pro' }])
    expectOnlyReads()
  })

  it('says the delivery is ignored when no rule matches the price bought', async () => {
    const path = await payloadFile('other-price', stripeEvent('checkout.session.completed', { object: { id: 'cs_test_other' } }))
    const { status, out } = await run([path, '--source', 'stripe'])
    expect(status).toBe(0)
    expect(out).toContain('rules[0] does not match')
    expect(out).toContain('rules[1] does not match')
    expect(out).toContain('Ignored: no rule matched this checkout.session.completed')
    expect(double.requests).toEqual(['GET /v1/checkout/sessions/cs_test_other/line_items'])
    expectOnlyReads()
  })

  it('says a GitHub member_removed would revoke, naming the login it would look up', async () => {
    const payload = JSON.parse(await readFile(fixture('github/organization.member_added'), 'utf8')) as Record<string, unknown>
    const path = await payloadFile('member-removed', { ...payload, action: 'member_removed' })
    const { status, out } = await run([path, '--source', 'github', '--event', 'organization'])
    expect(status).toBe(0)
    expect(out).toContain('Delivery: github organization.member_removed')
    expect(out).toContain('Who:      GitHub user @hacktocat (their public email would be looked up on GitHub)')
    expect(out).toContain('rules[2] matches: revokes roles staff')
    expect(out).toContain('  invite:       no')
    expect(out).toContain('  revoke roles: staff')
    expect(double.requests).toEqual([])
  })

  it('prints the skip reason for an unpaid session, reading nothing', async () => {
    const { status, out } = await run([fixture('stripe/checkout.session.completed.unpaid'), '--source', 'stripe'])
    expect(status).toBe(0)
    expect(out).toContain('Skipped: checkout session is not paid yet (payment_status: unpaid)')
    expect(double.requests).toEqual([])
  })

  it('without STRIPE_SECRET_KEY, names the rules it could not evaluate and exits 1', async () => {
    const { status, out, errLines } = await run([fixture('stripe/checkout.session.completed'), '--source', 'stripe'], { INVITE_BRIDGE_CONFIG: rulesPath })
    expect(status).toBe(1)
    expect(out).toContain('rules[0] could not be evaluated')
    expect(out).toContain('Incomplete')
    expect(errLines).toEqual([expect.stringMatching(/^error: rules\[0\], rules\[1\] could not be evaluated: .*set STRIPE_SECRET_KEY/)])
    expect(double.requests).toEqual([])
  })

  it('exits 1 with the field paths when the rules file is invalid', async () => {
    const bad = await payloadFile('bad-rules', { rules: [{ source: 'stripe', events: ['invoice.paid'], match: { prices: ['prod_x'] } }] })
    const { status, err } = await run([fixture('stripe/invoice.paid'), '--source', 'stripe', '--config', bad])
    expect(status).toBe(1)
    expect(err).toContain('rules[0].match.prices[0]')
  })

  it.each([
    [[], 'name the payload file'],
    [['x.json', 'y.json', '--source', 'stripe'], 'unexpected argument "y.json"'],
    [[fixture('stripe/invoice.paid')], '--source must be stripe, github, polar, lemonsqueezy, paddle or shopify'],
    [[fixture('github/ping'), '--source', 'github'], '--event is required for github'],
    [[fixture('github/ping'), '--source', 'github', '--event', 'organization.member_removed'], '--event is the X-GitHub-Event header (e.g. organization)'],
    [[fixture('stripe/invoice.paid'), '--source', 'stripe', '--event', 'invoice'], '--event is for github'],
    [[fixture('github/ping'), '--source', 'stripe'], 'not a Stripe event'],
    [['/nonexistent/payload.json', '--source', 'stripe'], 'cannot read /nonexistent/payload.json as JSON'],
  ])('%j fails with one line and exit 2', async (argv, message) => {
    const { status, errLines } = await run(argv)
    expect(status).toBe(2)
    expect(errLines).toHaveLength(1)
    expect(errLines[0]).toContain(message)
  })
})

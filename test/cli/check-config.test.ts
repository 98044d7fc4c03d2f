import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Env } from '../../src/core/config/env.ts'
import { DEFAULT_RULES, rulesFor as parseRules } from '../helpers/senders.ts'
import { runCli } from '../helpers/cli.ts'

const repo = fileURLToPath(new URL('../..', import.meta.url))
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'invite-bridge-check-config-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

let files = 0
async function rulesFile(content: unknown): Promise<string> {
  const path = join(dir, `rules-${++files}.json`)
  await writeFile(path, JSON.stringify(content))
  return path
}

async function run(argv: string[], env: Env = {}) {
  const { status, out, err } = await runCli(['check-config', ...argv], env)
  return { status, out: out.join('\n'), err: err.join('\n'), errLines: err }
}

const PRO = { source: 'stripe', events: ['invoice.paid'], match: { prices: ['price_pro'], metadata: { tier: 'pro' } }, roles: ['pro'], data: { plan: 'pro' } }
const STAFF_OUT = { source: 'github', events: ['organization.member_removed'], match: { orgs: ['acme'] }, revoke: ['staff'] }

describe('invite-bridge check-config', () => {
  it('prints complete help', async () => {
    const { status, out } = await run(['--help'])
    expect(status).toBe(0)
    for (const text of ['--config', '--json', 'INVITE_BRIDGE_CONFIG', 'STRIPE_SECRET_KEY', 'rules[0].match.prices[0]', 'Exit status']) expect(out).toContain(text)
  })

  it('prints a valid file one block per rule and exits 0', async () => {
    const path = await rulesFile({ rules: [PRO, STAFF_OUT] })
    const { status, out, err } = await run([], { INVITE_BRIDGE_CONFIG: path })
    expect({ status, err }).toEqual({ status: 0, err: '' })
    expect(out).toContain(`Rules: ${path} (2 rules)`)
    expect(out).toContain('rules[0]  stripe\n  events: invoice.paid\n  match:  prices: price_pro; metadata: tier=pro\n  does:   invites, grants roles pro, sets data {"plan":"pro"}')
    expect(out).toContain('rules[1]  github\n  events: organization.member_removed\n  match:  orgs: acme\n  does:   revokes roles staff (never invites)')
    expect(out).toContain('OK: the rules are valid.')
  })

  it("accepts the repository's own rules file", async () => {
    const { status, out } = await run([], { INVITE_BRIDGE_CONFIG: join(repo, 'invite-bridge.config.json') })
    expect(status).toBe(0)
    expect(out).toContain('OK')
  })

  it('exits 1 on a bad file, naming every bad field path', async () => {
    const path = await rulesFile({
      rules: [
        { source: 'stripe', events: ['invoice.paid', 'payment_intent.succeeded'], match: { prices: ['prod_x'] }, roles: ['pro'] },
        { source: 'github', events: ['organization.member_removed'], revoke: ['staff'], roles: ['alumni'] },
      ],
    })
    const { status, out, err } = await run([], { INVITE_BRIDGE_CONFIG: path })
    expect(status).toBe(1)
    expect(out).toBe('')
    expect(err).toContain(`${path} is not valid:`)
    expect(err).toContain('rules[0].events[1]')
    expect(err).toContain('rules[0].match.prices[0]: Stripe ids here start with price_')
    expect(err).toContain('rules[1]: a revoke rule takes only "revoke"')
  })

  it('exits 1 when INVITE_BRIDGE_CONFIG names a file that does not exist', async () => {
    const { status, err } = await run([], { INVITE_BRIDGE_CONFIG: join(dir, 'missing.json') })
    expect(status).toBe(1)
    expect(err).toContain('missing.json does not exist')
  })

  it('--config wins over INVITE_BRIDGE_CONFIG', async () => {
    const path = await rulesFile({ rules: [STAFF_OUT] })
    const { status, out } = await run(['--config', path], { INVITE_BRIDGE_CONFIG: join(dir, 'missing.json') })
    expect(status).toBe(0)
    expect(out).toContain(`Rules: ${path} (1 rule)`)
  })

  it('exits 1 naming STRIPE_SECRET_KEY when a rule needs the Stripe API and no key is set, as the bridge refuses to start', async () => {
    const path = await rulesFile({ rules: [{ source: 'stripe', events: ['checkout.session.completed'], match: { prices: ['price_pro'] }, roles: ['pro'] }] })
    const enabled = { STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(12).toString('hex')}` }
    const without = await run(['--config', path], enabled)
    expect(without.status).toBe(1)
    expect(without.errLines).toEqual([expect.stringMatching(/^error: rules\[0\] need the Stripe API.*set STRIPE_SECRET_KEY/)])

    const withKey = await run(['--config', path], { ...enabled, STRIPE_SECRET_KEY: `rk_test_${randomBytes(12).toString('hex')}` })
    expect(withKey.status).toBe(0)
  })

  it("does not hold a switched-off sender's rules to its key: it notes that they were not checked", async () => {
    const path = await rulesFile({ rules: [{ source: 'stripe', events: ['customer.subscription.deleted'], revoke: ['pro'] }] })
    const { status, errLines } = await run(['--config', path])
    expect(status).toBe(0)
    expect(errLines).toEqual([expect.stringMatching(/^note: rules\[0\] need STRIPE_SECRET_KEY, but STRIPE_WEBHOOK_SECRET is not set here/)])
  })

  it('exits 1 naming PADDLE_API_KEY and PADDLE_WEBHOOK_SECRET when Paddle is on without its key', async () => {
    const path = await rulesFile({ rules: [{ source: 'paddle', events: ['transaction.completed'] }] })
    const { status, errLines } = await run(['--config', path], { PADDLE_WEBHOOK_SECRET: randomBytes(16).toString('hex') })
    expect(status).toBe(1)
    expect(errLines).toEqual([expect.stringMatching(/^error: rules\[0\] need the Paddle API.*set PADDLE_API_KEY.*unset PADDLE_WEBHOOK_SECRET to turn Paddle off/)])
  })

  it('exits 1 on a bad setting in the environment', async () => {
    const path = await rulesFile({ rules: [STAFF_OUT] })
    const { status, err } = await run(['--config', path], { INVITE_API_KEYS: 'short' })
    expect(status).toBe(1)
    expect(err).toContain('INVITE_API_KEYS')
  })

  it('warns, without failing, about a rule that invites on an event that ends a membership', async () => {
    const path = await rulesFile({ rules: [{ source: 'github', events: ['organization.member_removed'], roles: ['alumni'] }] })
    const { status, errLines } = await run(['--config', path])
    expect(status).toBe(0)
    expect(errLines).toEqual([expect.stringMatching(/^warning: rules\[0\] invites on organization.member_removed: did you mean "revoke"/)])
  })

  it('--json prints the parsed rules, themselves a valid rules file', async () => {
    const path = await rulesFile({ $schema: './schema.json', rules: [PRO, STAFF_OUT] })
    const { status, out } = await run(['--config', path, '--json'])
    expect(status).toBe(0)
    const printed: unknown = JSON.parse(out)
    expect(parseRules(printed)).toEqual(parseRules(JSON.parse(await readFile(path, 'utf8'))))
  })

  it.each([
    [['rules.json'], 'unexpected argument "rules.json"'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--config'], "Option '--config <value>' argument missing"],
  ])('%j fails with one line and exit 2', async (argv, message) => {
    const { status, errLines } = await run(argv)
    expect(status).toBe(2)
    expect(errLines).toHaveLength(1)
    expect(errLines[0]).toContain(message)
  })
})

describe('check-config as Netlify runs it', () => {
  const exec = promisify(execFile)
  const bin = join(repo, 'bin/invite-bridge.ts')
  const node = (cwd: string, env: Env) =>
    exec(process.execPath, ['--experimental-strip-types', '--disable-warning=ExperimentalWarning', bin, 'check-config'], { cwd, env: { PATH: process.env.PATH, ...env } })

  it('with no rules file in the working directory, notes that the defaults apply', async () => {
    const empty = await mkdtemp(join(dir, 'empty-'))
    const { stdout, stderr } = await node(empty, {})
    expect(stdout).toContain(`Rules: built-in defaults (${DEFAULT_RULES.rules.length} rules)`)
    expect(stderr).toContain('note: no rules file')
    // On Netlify the function bundles invite-bridge.config.json: without it the build must stop.
    await expect(node(empty, { NETLIFY: 'true' })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('create it') })
  })

  it('the build command fails the deploy on a bad rules file', async () => {
    const toml = await readFile(join(repo, 'netlify.toml'), 'utf8')
    expect(toml).toMatch(/^\s*command = "npm run check-config"$/m)
    const bad = await rulesFile({ rules: [{ source: 'stripe', events: ['invoice.paid'], match: { prices: ['prod_x'] } }] })
    await expect(exec('npm', ['run', '--silent', 'check-config'], { cwd: repo, env: { PATH: process.env.PATH, HOME: process.env.HOME, INVITE_BRIDGE_CONFIG: bad } })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('rules[0].match.prices[0]'),
    })
    const { stdout } = await exec('npm', ['run', '--silent', 'check-config'], { cwd: repo, env: { PATH: process.env.PATH, HOME: process.env.HOME } })
    expect(stdout).toContain('OK: the rules are valid.')
  })

  it("on Netlify checks the file the function bundles, not the one INVITE_BRIDGE_CONFIG names", async () => {
    const site = await mkdtemp(join(dir, 'site-'))
    await writeFile(join(site, 'invite-bridge.config.json'), JSON.stringify({ rules: [{ source: 'stripe', events: ['invoice.paid'], match: { prices: ['prod_x'] } }] }))
    const good = await rulesFile({ rules: [{ source: 'stripe', events: ['invoice.paid'] }] })
    await expect(node(site, { NETLIFY: 'true', INVITE_BRIDGE_CONFIG: good })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('rules[0].match.prices[0]'),
    })
  })
})

import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.ts'

async function run(...argv: string[]) {
  const { status, out, err } = await runCli(argv, { BRIDGE_DATA_DIR: '/nonexistent-invite-bridge' })
  return { status, out: out.join('\n'), err }
}

describe('invite-bridge send: arguments', () => {
  it('prints complete help', async () => {
    const { status, out } = await run('send', '--help')
    expect(status).toBe(0)
    for (const option of ['--email', '--name', '--login', '--file', '--url', '--secret', '--repeat', '--concurrency']) expect(out).toContain(option)
    expect(out).toContain('checkout.session.completed')
    expect(out).toContain('organization.member_invited')
  })

  it.each([
    [['send'], 'the first argument must be stripe, github, polar, lemonsqueezy, paddle or shopify'],
    [['send', 'gumroad', 'x'], 'the first argument must be stripe, github, polar, lemonsqueezy, paddle or shopify'],
    [['send', 'stripe'], 'name the stripe event'],
    [['send', 'stripe', 'payment_intent.succeeded', '--email', 'a@example.com'], 'unknown stripe event "payment_intent.succeeded"'],
    [['send', 'stripe', 'invoice.paid'], '--email is required'],
    [['send', 'github', 'organization.member_added'], '--login is required'],
    [['send', 'stripe', 'invoice.paid', '--email', 'a@example.com', '--repeat', '0'], '--repeat must be a whole number'],
    [['send', 'stripe', 'invoice.paid', '--email', 'a@example.com', '--bogus'], "Unknown option '--bogus'"],
    [['send', 'stripe', 'invoice.paid', '--email', 'a@example.com'], 'no signing secret'],
    [['frobnicate'], 'unknown command "frobnicate"'],
  ])('%j fails with one line and exit 2', async (argv, message) => {
    const { status, err } = await run(...argv)
    expect(status).toBe(2)
    expect(err).toHaveLength(1)
    expect(err[0]).toContain(message)
  })

  it('exits 1 when the bridge cannot be reached', async () => {
    const { status, out } = await run('send', 'stripe', 'invoice.paid', '--email', 'a@example.com', '--secret', 'whsec_x', '--url', 'http://127.0.0.1:9')
    expect(status).toBe(1)
    expect(out).toMatch(/#1 0 could not reach/)
  })

  it('runs as the package bin with npx inside the repo', async () => {
    const cwd = fileURLToPath(new URL('../..', import.meta.url))
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'invite-bridge', '--help'], { cwd })
    expect(stdout).toContain('Usage: invite-bridge <command>')
  })
})

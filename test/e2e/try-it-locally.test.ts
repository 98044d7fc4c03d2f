import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import GoTrue from 'gotrue-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalServer, type LocalServer } from '../../src/local/start.ts'
import { runCli } from '../helpers/cli.ts'

/**
 * The README's "try it in two minutes", as a newcomer does it: npm start with
 * nothing configured, `invite-bridge send`, the printed invite link, and the
 * invite accepted with Netlify's own client library against the sandbox.
 */
// The tests share one server (and may find it restarted): each uses its own addresses.
describe('local mode with nothing configured', () => {
  let dataDir: string
  let server: LocalServer
  const printed: string[] = []
  const env = () => ({ BRIDGE_DATA_DIR: dataDir, PORT: String(server?.port ?? 0) })

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'invite-bridge-local-'))
    server = await startLocalServer({ env: { BRIDGE_DATA_DIR: dataDir, PORT: '0' }, print: (line) => printed.push(line) })
  })
  afterAll(async () => {
    await server.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  const send = (...args: string[]) => runCli(['send', ...args, '--url', server.url], env())

  it('says it runs a development identity sandbox and where the generated secrets are', () => {
    expect(server.banner.join('\n')).toMatch(/identity: SANDBOX at http:\/\/localhost:\d+\/\.netlify\/identity \(development only/)
    expect(server.banner.join('\n')).toContain('development secret in')
  })

  it('keeps the generated development secrets under BRIDGE_DATA_DIR, owner-only', async () => {
    const secrets = JSON.parse(await readFile(join(dataDir, 'dev-secrets.json'), 'utf8')) as Record<string, string>
    expect(secrets.stripeWebhookSecret).toMatch(/^whsec_/)
    expect(secrets.githubWebhookSecret).toMatch(/^[0-9a-f]{40}$/)
    const { stat } = await import('node:fs/promises')
    expect((await stat(join(dataDir, 'dev-secrets.json'))).mode & 0o777).toBe(0o600)
  })

  it('turns a signed Stripe purchase into an invite link that gotrue-js accepts', async () => {
    const sent = await send('stripe', 'checkout.session.completed', '--email', 'ann@example.com', '--name', 'Ann Example')
    expect(sent).toMatchObject({ status: 0, out: ['#1 200 invited'] })

    const line = printed.find((candidate) => candidate.includes('a***@example.com'))
    expect(line).toMatch(new RegExp(`^\\[identity sandbox\\] invite sent to a\\*\\*\\*@example.com: ${server.url}/#invite_token=\\S+$`))
    const token = /#invite_token=(\S+)/.exec(line!)![1]!

    const auth = new GoTrue({ APIUrl: `${server.url}/.netlify/identity`, setCookie: false })
    const user = await auth.acceptInvite(token, 'correct horse battery staple', false)
    expect(user.email).toBe('ann@example.com')
    expect(user.user_metadata).toMatchObject({ full_name: 'Ann Example' })
    expect(user.confirmed_at).toBeTruthy()

    // The access token it got back is a real one: the identity server answers GET /user with it.
    const me = await fetch(`${server.url}/.netlify/identity/user`, { headers: { authorization: `Bearer ${user.token!.access_token}` } })
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ email: 'ann@example.com' })
  })

  it('de-duplicates a storm sent with --repeat and --concurrency', async () => {
    const storm = await send('stripe', 'invoice.paid', '--email', 'storm@example.com', '--repeat', '12', '--concurrency', '6')
    expect(storm.status).toBe(0)
    expect(storm.out.filter((l) => / 200 invited$/.test(l))).toHaveLength(1)
    expect(storm.out.at(-1)).toMatch(/^12 sent: /)
    expect(storm.out.at(-1)).toContain('1 invited')
    expect(printed.filter((l) => l.includes('s***@example.com'))).toHaveLength(1)
  })

  it('sends a signed GitHub invitation', async () => {
    const sent = await send('github', 'organization.member_invited', '--email', 'bob@example.com')
    expect(sent).toMatchObject({ status: 0, out: ['#1 200 invited'] })
    expect(printed.some((l) => l.includes('b***@example.com') && l.includes('#invite_token='))).toBe(true)
  })

  it('sends any payload from a file', async () => {
    const file = join(dataDir, 'ping.json')
    const { writeFile } = await import('node:fs/promises')
    await writeFile(file, JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 }))
    const sent = await send('github', 'ping', '--file', file)
    expect(sent.status).toBe(0)
    expect(sent.out[0]).toMatch(/^#1 200 ignored/)
  })

  it('keeps sandbox users across a restart', async () => {
    expect((await send('stripe', 'invoice.paid', '--email', 'rae@example.com')).out).toEqual(['#1 200 invited'])
    await server.close()
    server = await startLocalServer({ env: { BRIDGE_DATA_DIR: dataDir, PORT: '0' }, print: (line) => printed.push(line) })
    const again = await send('stripe', 'invoice.paid', '--email', 'RAE@example.com')
    expect(again.out[0]).toMatch(/^#1 200 duplicate/)
  })
})

describe('production mode', () => {
  it.each(['production', 'Production', 'PRODUCTION', 'production '])('NODE_ENV=%j invents no secrets and runs no sandbox', async (nodeEnv) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'invite-bridge-prod-'))
    const server = await startLocalServer({ env: { BRIDGE_DATA_DIR: dataDir, PORT: '0', NODE_ENV: nodeEnv }, print: () => {} })
    try {
      const banner = server.banner.join('\n')
      expect(banner).toContain('stripe: disabled (set STRIPE_WEBHOOK_SECRET)')
      expect(banner).toContain('identity: NOT CONFIGURED')
      expect((await fetch(`${server.url}/.netlify/identity/health`)).status).toBe(404)
      await expect(readFile(join(dataDir, 'dev-secrets.json'))).rejects.toThrow()
    } finally {
      await server.close()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})

describe('a NODE_ENV that is neither development nor production', () => {
  it.each(['prod', 'staging'])('NODE_ENV=%j refuses to start, showing the value and the accepted ones, and invents nothing', async (nodeEnv) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'invite-bridge-nodeenv-'))
    try {
      await expect(startLocalServer({ env: { BRIDGE_DATA_DIR: dataDir, PORT: '0', NODE_ENV: nodeEnv }, print: () => {} })).rejects.toThrow(
        `NODE_ENV must be unset, development, test or production (any case), got "${nodeEnv}"`,
      )
      await expect(readFile(join(dataDir, 'dev-secrets.json'))).rejects.toThrow()
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})

describe('the banner', () => {
  it('refuses an IDENTITY_URL with a user name and password (fetch cannot use it), without showing them', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'invite-bridge-banner-'))
    const password = randomBytes(12).toString('hex')
    const env = {
      BRIDGE_DATA_DIR: dataDir,
      PORT: '0',
      NODE_ENV: 'production',
      IDENTITY_URL: `http://admin:${password}@127.0.0.1:9/.netlify/identity`,
      IDENTITY_ADMIN_TOKEN: randomBytes(24).toString('hex'),
    }
    try {
      const refused = await startLocalServer({ env, print: () => {} }).then(
        async (server) => {
          await server.close()
          return null
        },
        (error: Error) => error,
      )
      expect(refused?.message).toMatch(/IDENTITY_URL must not carry a user name or password/)
      expect(refused?.message).not.toContain(password)
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})

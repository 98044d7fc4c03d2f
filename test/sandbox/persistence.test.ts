import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createIdentitySandbox } from '../../src/sandbox/identity-sandbox.ts'
import { serveIdentitySandbox } from '../../src/sandbox/serve.ts'
import { startSandbox, type Harness } from './harness.ts'

let dir: string
let dataFile: string
const open: Harness[] = []
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'identity-sandbox-'))
  dataFile = join(dir, 'users.json')
})
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()))
  rmSync(dir, { recursive: true, force: true })
})

async function start(jwtSecret?: string): Promise<Harness> {
  const h = await startSandbox(jwtSecret ? { dataFile, jwtSecret } : { dataFile })
  open.push(h)
  return h
}

describe('dataFile', () => {
  it('a new sandbox on the same file has the users: the second invite is 422', async () => {
    const first = await start()
    const { id } = (await first.invite('ann@example.com', { full_name: 'Ann' })).body
    await first.close()

    const second = await start()
    expect(second.sandbox.users()).toEqual([expect.objectContaining({ id, email: 'ann@example.com', user_metadata: { full_name: 'Ann' } })])
    const again = await second.invite('ANN@example.com')
    expect(again).toMatchObject({ status: 422, body: { msg: 'Email address already registered by another user' } })
  })

  it('an invite sent before a restart can be accepted after it', async () => {
    const first = await start()
    await first.invite('ann@example.com')
    const token = first.sandbox.invites[0]?.token
    await first.close()

    const second = await start(first.jwtSecret)
    expect((await second.call('POST', '/verify', { token: null, json: { type: 'signup', token, password: 'pw-ann' } })).status).toBe(200)
  })

  it('keeps a scrypt hash, never the password, and leaves no temp files behind', async () => {
    const h = await start()
    await h.signUp('ann@example.com', 'plain-text-password-41')
    const text = readFileSync(dataFile, 'utf8')
    expect(text).not.toContain('plain-text-password-41')
    expect(text).toMatch(/"passwordHash":\s*"scrypt\$/)
    // The lock is the running sandbox's; it goes when the sandbox closes.
    expect(readdirSync(dir).sort()).toEqual(['users.json', 'users.json.lock'])
    await h.close()
    expect(readdirSync(dir)).toEqual(['users.json'])
  })

  it('PUT and DELETE are persisted too', async () => {
    const first = await start()
    const { id } = (await first.invite('ann@example.com')).body
    await first.invite('bob@example.com')
    await first.call('PUT', `/admin/users/${id}`, { json: { app_metadata: { roles: ['pro'] } } })
    const bob = first.sandbox.users().find((u) => u.email === 'bob@example.com')
    await first.call('DELETE', `/admin/users/${bob?.id}`)
    await first.close()

    const second = await start()
    expect(second.sandbox.users().map((u) => [u.email, u.app_metadata])).toEqual([['ann@example.com', { provider: 'email', roles: ['pro'] }]])
  })

  it('creates the file, and its folder, on the first write', async () => {
    const nested = join(dir, 'absent', 'users.json')
    const served = await serveIdentitySandbox({ jwtSecret: randomBytes(32).toString('base64url'), siteUrl: 'https://site.example', dataFile: nested })
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\.netlify\/identity$/)
      expect(served.sandbox.users()).toEqual([])
      const res = await fetch(`${served.url}/invite`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await served.sandbox.adminToken()}` },
        body: JSON.stringify({ email: 'ann@example.com' }),
      })
      expect(res.status).toBe(200)
      expect(JSON.parse(readFileSync(nested, 'utf8')).users).toHaveLength(1)
    } finally {
      await served.close()
    }
  })

  it('reads the file earlier versions wrote: one pretty-printed { users } object', async () => {
    const token = randomBytes(16).toString('base64url')
    const earlier = {
      users: [
        {
          user: {
            id: '9a4c2e0b-3f5d-4b8e-9c1a-2d7e6f5a4b3c',
            aud: '',
            role: '',
            email: 'Ann@Example.com',
            invited_at: '2026-04-30T09:15:02.5Z',
            app_metadata: { provider: 'email' },
            user_metadata: { full_name: 'Ann' },
            created_at: '2026-04-30T09:15:02.5Z',
            updated_at: '2026-04-30T09:15:02.5Z',
          },
          confirmationToken: token,
          refreshTokens: [],
        },
      ],
    }
    writeFileSync(dataFile, JSON.stringify(earlier, null, 2))

    const h = await start()
    expect(h.sandbox.users()).toEqual([earlier.users[0]!.user])
    expect((await h.invite('ann@example.com')).status).toBe(422)
    expect((await h.invite('bob@example.com')).status).toBe(200)
    expect((await h.call('POST', '/verify', { token: null, json: { type: 'signup', token, password: 'pw-ann' } })).status).toBe(200)
    await h.close()

    const again = await start()
    expect(again.sandbox.users().map((u) => [u.email, Boolean(u.confirmed_at)])).toEqual([
      ['Ann@Example.com', true],
      ['bob@example.com', false],
    ])
  })

  it('a second sandbox on the same file is refused while the first runs, and opens once it closed', async () => {
    const first = await start()
    await first.invite('ann@example.com')
    const open = () => createIdentitySandbox({ jwtSecret: first.jwtSecret, siteUrl: 'https://site.example', dataFile })
    expect(open).toThrow(`The identity sandbox folder ${dir} is in use by another server (pid ${process.pid})`)
    await first.close()

    const second = open()
    expect(second.users().map((u) => u.email)).toEqual(['ann@example.com'])
    second.close()
  })

  it('reset is persisted: a new sandbox on the file starts empty', async () => {
    const first = await start()
    await first.invite('ann@example.com')
    first.sandbox.reset()
    await first.invite('bob@example.com')
    await first.close()

    expect((await start()).sandbox.users().map((u) => u.email)).toEqual(['bob@example.com'])
  })
})

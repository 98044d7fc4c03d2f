import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
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
    expect(text).toMatch(/"passwordHash": "scrypt\$/)
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
})

import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { apiKey, invitesExcept, postInvites, setRoles, siteUser } from '../helpers/invites.ts'

let bridge: TestBridge
let key: string
let siteUsers: string[]
beforeEach(async () => {
  key = apiKey()
  siteUsers = []
  bridge = await startTestBridge({ env: { INVITE_API_KEYS: key } })
})
afterEach(async () => {
  await bridge.close()
})

async function user(email: string, grant: { roles?: string[]; role?: string } = {}) {
  siteUsers.push(email)
  return siteUser(bridge, email, grant)
}

function sign(payload: Record<string, unknown>, secret = bridge.jwtSecret) {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret))
}

const ONE = { email: 'new.member@example.com' }

describe('POST /invites with an API key', () => {
  it('401 without credentials, with a Bearer challenge, and invites nobody', async () => {
    const answer = await postInvites(bridge.app, ONE)
    expect(answer).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } })
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /)
    expect(bridge.identity.sandbox.invites).toHaveLength(0)
  })

  it('401 for Basic credentials', async () => {
    const response = await bridge.app.request('/invites', { method: 'POST', headers: { authorization: `Basic ${btoa(`x:${key}`)}` }, body: JSON.stringify(ONE) })
    expect(response.status).toBe(401)
    expect(bridge.identity.sandbox.invites).toHaveLength(0)
  })

  it('401 for a wrong key, including one that only differs in the last character', async () => {
    expect((await postInvites(bridge.app, ONE, apiKey())).status).toBe(401)
    expect((await postInvites(bridge.app, ONE, `${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`)).status).toBe(401)
    expect((await postInvites(bridge.app, ONE, key.slice(0, 20))).status).toBe(401)
    expect(bridge.identity.sandbox.invites).toHaveLength(0)
  })

  it('invites with a valid key, and logs the key id, never the key', async () => {
    const answer = await postInvites(bridge.app, ONE, key)
    expect(answer).toMatchObject({ status: 200, body: { results: [{ email: 'new.member@example.com', outcome: 'invited' }] } })
    expect(bridge.invitesTo('new.member@example.com')).toBe(1)
    expect(bridge.logs).toEqual([expect.objectContaining({ route: 'invites', caller: expect.stringMatching(/^key:[0-9a-f]{8}$/), invited: 1, status: 200 })])
    expect(JSON.stringify(bridge.logs)).not.toContain(key)
    expect(JSON.stringify(bridge.logs)).not.toContain('new.member@example.com')
  })

  it('accepts every key of a rotation list and tells them apart in the log', async () => {
    const second = apiKey()
    const rotating = await startTestBridge({ env: { INVITE_API_KEYS: `${key}, ${second}` } })
    try {
      expect((await postInvites(rotating.app, { email: 'a@example.com' }, key)).status).toBe(200)
      expect((await postInvites(rotating.app, { email: 'b@example.com' }, second)).status).toBe(200)
      expect(rotating.logs[0]!.caller).not.toBe(rotating.logs[1]!.caller)
    } finally {
      await rotating.close()
    }
  })

  it('has keys off when INVITE_API_KEYS is not set, and says so', async () => {
    const keyless = await startTestBridge({ env: { INVITE_API_KEYS: undefined } })
    try {
      const answer = await postInvites(keyless.app, ONE, key)
      expect(answer.status).toBe(401)
      expect(answer.body.error.message).toContain('INVITE_API_KEYS')
      expect(keyless.identity.sandbox.invites).toHaveLength(0)
    } finally {
      await keyless.close()
    }
  })
})

describe("POST /invites with a site user's Identity token, checked with identity", () => {
  it('lets an admin (app_metadata.roles has "admin") invite, logged by user id, never the token', async () => {
    const admin = await user('site.admin@example.com', { roles: ['admin'] })
    const answer = await postInvites(bridge.app, ONE, admin.accessToken)
    expect(answer).toMatchObject({ status: 200, body: { results: [{ outcome: 'invited' }] } })
    expect(invitesExcept(bridge, siteUsers)).toEqual(['new.member@example.com'])
    expect(bridge.logs.at(-1)).toMatchObject({ caller: `user:${admin.id}` })
    expect(JSON.stringify(bridge.logs)).not.toContain(admin.accessToken)
  })

  it('403 for an ordinary confirmed user, and invites nobody', async () => {
    const member = await user('member@example.com', { roles: ['pro'] })
    const answer = await postInvites(bridge.app, ONE, member.accessToken)
    expect(answer).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } })
    expect(invitesExcept(bridge, siteUsers)).toEqual([])
    expect(bridge.logs.at(-1)).toMatchObject({ caller: `user:${member.id}`, status: 403 })
  })

  it("403 for a user whose role is only GoTrue's top-level role, not app_metadata.roles", async () => {
    const topLevel = await user('top.level@example.com', { role: 'admin' })
    expect((await postInvites(bridge.app, ONE, topLevel.accessToken)).status).toBe(403)
    expect(invitesExcept(bridge, siteUsers)).toEqual([])
  })

  it('follows the role as identity holds it now, not as the token claims: revoked admin → 403', async () => {
    const admin = await user('was.admin@example.com', { roles: ['admin'] })
    await setRoles(bridge, admin.id, [])
    expect((await postInvites(bridge.app, ONE, admin.accessToken)).status).toBe(403)
    expect(invitesExcept(bridge, siteUsers)).toEqual([])
  })

  it('honours INVITE_ADMIN_ROLE', async () => {
    const custom = await startTestBridge({ env: { INVITE_ADMIN_ROLE: 'inviter' } })
    try {
      const inviter = await siteUser(custom, 'inviter@example.com', { roles: ['inviter'] })
      const admin = await siteUser(custom, 'admin@example.com', { roles: ['admin'] })
      expect((await postInvites(custom.app, ONE, admin.accessToken)).status).toBe(403)
      expect((await postInvites(custom.app, ONE, inviter.accessToken)).status).toBe(200)
      expect(custom.invitesTo('new.member@example.com')).toBe(1)
    } finally {
      await custom.close()
    }
  })

  it.each<[string, () => Promise<string>]>([
    ['garbage shaped like a JWT', async () => 'abc.def.ghi'],
    ['a token claiming admin, signed with another secret', async () => sign({ sub: (await user('x@example.com')).id, exp: Math.floor(Date.now() / 1000) + 600, app_metadata: { roles: ['admin'] } }, randomBytes(32).toString('hex'))],
    ["an expired token of a real admin", async () => sign({ sub: (await user('old@example.com', { roles: ['admin'] })).id, exp: Math.floor(Date.now() / 1000) - 60, app_metadata: { roles: ['admin'] } })],
    ['a well-signed token for a user who does not exist', async () => sign({ sub: '6f1c0d6e-2b7a-4f6e-9a53-0d3c1f4b9e21', exp: Math.floor(Date.now() / 1000) + 600, app_metadata: { roles: ['admin'] } })],
    ["identity's own admin token (sub \"0\"): not a site user", () => bridge.identity.sandbox.adminToken()],
  ])('401 for %s, and invites nobody', async (_name, token) => {
    const answer = await postInvites(bridge.app, ONE, await token())
    expect(answer).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } })
    expect(answer.headers.get('www-authenticate')).toContain('invalid_token')
    expect(invitesExcept(bridge, siteUsers)).toEqual([])
  })

  it('refuses 100 forged tokens (no exp, another key) without one GET /user to identity', async () => {
    const userLookups: string[] = []
    const counted = await startTestBridge({
      env: { INVITE_API_KEYS: key },
      deps: async () => ({
        fetch: (input, init) => {
          const url = new URL(input instanceof Request ? input.url : String(input))
          if (url.pathname.endsWith('/user') && (init?.method ?? 'GET') === 'GET') userLookups.push(url.pathname)
          return fetch(input, init)
        },
      }),
    })
    try {
      const admin = await siteUser(counted, 'real.admin@example.com', { roles: ['admin'] })
      const forged = await Promise.all(
        Array.from({ length: 100 }, (_, i) => sign({ sub: admin.id, email: `forger${i}@example.com`, app_metadata: { roles: ['admin'] } }, randomBytes(32).toString('hex'))),
      )
      const answers = await Promise.all(forged.map((token) => postInvites(counted.app, ONE, token)))
      expect(answers.map((answer) => answer.status)).toEqual(forged.map(() => 401))
      expect(userLookups).toEqual([])
      // The counter does see the lookups a real token causes.
      expect((await postInvites(counted.app, ONE, admin.accessToken)).status).toBe(200)
      expect(userLookups).toHaveLength(1)
    } finally {
      await counted.close()
    }
  })

  it('401 once the user is deleted, though their token has not expired', async () => {
    const admin = await user('gone@example.com', { roles: ['admin'] })
    const response = await fetch(`${bridge.identity.url}/admin/users/${admin.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${await bridge.identity.sandbox.adminToken()}` },
    })
    expect(response.status).toBe(200)
    expect((await postInvites(bridge.app, ONE, admin.accessToken)).status).toBe(401)
    expect(invitesExcept(bridge, siteUsers)).toEqual([])
  })

  it('503 naming the settings when there is no identity server to ask', async () => {
    const unconfigured = await startTestBridge({ env: { IDENTITY_URL: undefined, IDENTITY_JWT_SECRET: undefined } })
    try {
      const token = await sign({ sub: '6f1c0d6e-2b7a-4f6e-9a53-0d3c1f4b9e21', exp: Math.floor(Date.now() / 1000) + 600 })
      const answer = await postInvites(unconfigured.app, ONE, token)
      expect(answer).toMatchObject({ status: 503, body: { error: { code: 'identity_not_configured' } } })
    } finally {
      await unconfigured.close()
    }
  })
})

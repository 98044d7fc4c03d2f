import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { identifyCaller } from '../../src/handlers/routes/caller.ts'

/** Tokens that cannot be a live user's are refused without asking identity: a flood of them costs identity nothing. */
describe('identifyCaller before asking identity', () => {
  const now = Date.UTC(2026, 10, 26)
  const identitySecret = randomBytes(32).toString('hex')
  const live = { sub: 'u1', exp: now / 1000 + 60 }
  const sign = (claims: Record<string, unknown>, key: Uint8Array = randomBytes(32), alg = 'HS256') =>
    new SignJWT(claims).setProtectedHeader({ alg }).sign(key)
  const signedByIdentity = (claims: Record<string, unknown>, alg = 'HS256') => sign(claims, new TextEncoder().encode(identitySecret), alg)

  async function asked(token: string, jwtSecret?: string) {
    let calls = 0
    const result = await identifyCaller(`Bearer ${token}`, {
      apiKeys: [],
      jwtSecret,
      now: () => now,
      getUser: async () => {
        calls++
        return { id: 'u1', email: 'admin@example.com', app_metadata: { roles: ['admin'] } }
      },
    }).catch((error: { status: number }) => error.status)
    return { result, calls }
  }

  it.each([
    ['three segments of nonsense', async () => 'a.b.c'],
    ['no subject', () => sign({ exp: now / 1000 + 60 })],
    ["identity's own admin subject", () => sign({ sub: '0', exp: now / 1000 + 60 })],
    ['expired', () => sign({ sub: 'u1', exp: now / 1000 - 1 })],
    // GoTrue always sets exp; a token without one was not made by identity.
    ['no expiry', () => sign({ sub: 'u1' })],
    ['an expiry that is not a number', () => sign({ sub: 'u1', exp: String(now / 1000 + 60) })],
  ])('%s: 401 without a request to identity', async (_name, token) => {
    expect(await asked(await token())).toEqual({ result: 401, calls: 0 })
  })

  it('a token that may be live is checked by identity itself', async () => {
    const { result, calls } = await asked(await sign(live))
    expect(calls).toBe(1)
    expect(result).toMatchObject({ kind: 'user', id: 'u1' })
  })

  describe('when the bridge holds IDENTITY_JWT_SECRET', () => {
    it.each([
      ['signed with another key', () => sign(live)],
      ['signed by identity, then its claims changed', async () => {
        const [header, , signature] = (await signedByIdentity(live)).split('.')
        return `${header}.${Buffer.from(JSON.stringify({ ...live, sub: 'u2' })).toString('base64url')}.${signature}`
      }],
      ['signed with identity\'s key but HS512', () => signedByIdentity(live, 'HS512')],
      ['unsigned (alg none)', async () => {
        const [, payload] = (await signedByIdentity(live)).split('.')
        return `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.AAAA`
      }],
    ])('%s: 401 without a request to identity', async (_name, token) => {
      expect(await asked(await token(), identitySecret)).toEqual({ result: 401, calls: 0 })
    })

    it('a token identity signed is still checked by identity itself (it may be revoked, the user gone)', async () => {
      const { result, calls } = await asked(await signedByIdentity(live), identitySecret)
      expect(calls).toBe(1)
      expect(result).toMatchObject({ kind: 'user', id: 'u1' })
    })
  })
})

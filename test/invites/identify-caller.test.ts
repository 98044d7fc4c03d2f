import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { identifyCaller } from '../../src/handlers/routes/caller.ts'

/** Tokens that cannot be a live user's are refused without asking identity: a flood of them costs identity nothing. */
describe('identifyCaller before asking identity', () => {
  const now = Date.UTC(2026, 10, 26)
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(randomBytes(32))

  async function asked(token: string) {
    let calls = 0
    const result = await identifyCaller(`Bearer ${token}`, {
      apiKeys: [],
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
  ])('%s: 401 without a request to identity', async (_name, token) => {
    expect(await asked(await token())).toEqual({ result: 401, calls: 0 })
  })

  it('a token that may be live is checked by identity itself', async () => {
    const { result, calls } = await asked(await sign({ sub: 'u1', exp: now / 1000 + 60 }))
    expect(calls).toBe(1)
    expect(result).toMatchObject({ kind: 'user', id: 'u1' })
  })
})

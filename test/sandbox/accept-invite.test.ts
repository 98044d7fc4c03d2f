import { jwtVerify } from 'jose'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { START, startSandbox, type Harness } from './harness.ts'

let h: Harness
beforeEach(async () => {
  h = await startSandbox()
})
afterEach(() => h.close())

async function invitedToken(email: string): Promise<string> {
  await h.invite(email, { full_name: 'Ann' })
  const sent = h.sandbox.invites.find((i) => i.email === email)
  if (!sent) throw new Error(`no invite was sent to ${email}`)
  return sent.token
}

const verify = (json: unknown) => h.call('POST', '/verify', { token: null, json })

describe('POST /verify, then GET /user (what gotrue-js acceptInvite does)', () => {
  it('accepting an invite answers tokens, confirms the user, and the access token reads the user', async () => {
    const token = await invitedToken('ann@example.com')
    h.advance(60)
    const res = await verify({ type: 'signup', token, password: 'correct horse' })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 3600, refresh_token: expect.any(String) })

    const [user] = h.sandbox.users()
    const { payload } = await jwtVerify(res.body.access_token, new TextEncoder().encode(h.jwtSecret), { currentDate: new Date(START) })
    expect(payload).toEqual({
      sub: user?.id,
      email: 'ann@example.com',
      app_metadata: { provider: 'email' },
      user_metadata: { full_name: 'Ann' },
      exp: Math.floor(START / 1000) + 60 + 3600,
    })

    const me = await h.call('GET', '/user', { token: res.body.access_token })
    expect(me.status).toBe(200)
    expect(me.body).toMatchObject({ id: user?.id, email: 'ann@example.com', confirmed_at: '2026-05-01T12:01:00.1Z' })
  })

  it('an invite token works once: the second use is 404 "User not found"', async () => {
    const token = await invitedToken('ann@example.com')
    expect((await verify({ type: 'signup', token, password: 'pw' })).status).toBe(200)
    const again = await verify({ type: 'signup', token, password: 'pw' })
    expect(again).toMatchObject({ status: 404, body: { code: 404, msg: 'User not found' } })
  })

  it('two racing verifies of one token: exactly one wins', async () => {
    const token = await invitedToken('ann@example.com')
    const answers = await Promise.all([1, 2, 3].map(() => verify({ type: 'signup', token, password: 'pw' })))
    expect(answers.map((a) => a.status).sort()).toEqual([200, 404, 404])
  })

  it('an unknown token is 404 "User not found"', async () => {
    expect((await verify({ type: 'signup', token: 'nope', password: 'pw' })).body).toEqual({ code: 404, msg: 'User not found' })
  })

  it('type "invite" is 422 "Verify requires a verification type"', async () => {
    const token = await invitedToken('ann@example.com')
    const res = await verify({ type: 'invite', token, password: 'pw' })
    expect(res).toMatchObject({ status: 422, body: { code: 422, msg: 'Verify requires a verification type' } })
  })

  it('an invited user without a password is 422 and the token stays usable', async () => {
    const token = await invitedToken('ann@example.com')
    const res = await verify({ type: 'signup', token })
    expect(res).toMatchObject({ status: 422, body: { code: 422, msg: 'Invited users must specify a password' } })
    expect(h.sandbox.users()[0]).not.toHaveProperty('confirmed_at')
    expect((await verify({ type: 'signup', token, password: 'pw' })).status).toBe(200)
  })

  it('an invite token older than 7 days is refused', async () => {
    const token = await invitedToken('ann@example.com')
    h.advance(7 * 24 * 3600 + 1)
    expect(await verify({ type: 'signup', token, password: 'pw' })).toMatchObject({ status: 401, body: { msg: 'Confirmation token expired' } })
  })

  it('GET /user refuses a missing or broken token with 401, and the admin token with 400', async () => {
    expect((await h.call('GET', '/user', { token: null })).body).toEqual({ code: 401, msg: 'This endpoint requires a Bearer token' })
    expect((await h.call('GET', '/user', { token: 'a.b' })).body).toEqual({
      code: 401,
      msg: 'Invalid token: token contains an invalid number of segments',
    })
    expect((await h.call('GET', '/user')).body).toEqual({ code: 400, msg: 'Could not read User ID claim' })
  })
})

describe('POST /token', () => {
  const form = (fields: Record<string, string>) => ({
    token: null,
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  })

  it('grant_type=password gives a confirmed user the same token shape', async () => {
    await h.signUp('ann@example.com', 'pw-ann')
    const res = await h.call('POST', '/token', form({ grant_type: 'password', username: 'ann@example.com', password: 'pw-ann' }))
    expect(res).toMatchObject({ status: 200, body: { token_type: 'bearer', expires_in: 3600 } })
    expect((await h.call('GET', '/user', { token: res.body.access_token })).body.email).toBe('ann@example.com')
  })

  it('also reads JSON bodies', async () => {
    await h.signUp('ann@example.com', 'pw-ann')
    const res = await h.call('POST', '/token', { token: null, json: { grant_type: 'password', username: 'ann@example.com', password: 'pw-ann' } })
    expect(res.status).toBe(200)
  })

  it('a wrong password, an unknown or an unconfirmed user is 400 invalid_grant in OAuth shape', async () => {
    await h.signUp('ann@example.com', 'pw-ann')
    await h.invite('pending@example.com')
    const cases = [
      [{ username: 'ann@example.com', password: 'wrong' }, 'No user found with that email, or password invalid.'],
      [{ username: 'ghost@example.com', password: 'pw' }, 'No user found with that email, or password invalid.'],
      [{ username: 'pending@example.com', password: 'pw' }, 'Email not confirmed'],
    ] as const
    for (const [fields, description] of cases) {
      const res = await h.call('POST', '/token', form({ grant_type: 'password', ...fields }))
      expect(res).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: description } })
    }
  })

  it('grant_type=refresh_token rotates: the spent refresh token is refused', async () => {
    const { refresh_token } = await h.signUp('ann@example.com', 'pw-ann')
    const first = await h.call('POST', '/token', form({ grant_type: 'refresh_token', refresh_token }))
    expect(first.status).toBe(200)
    expect(first.body.refresh_token).not.toBe(refresh_token)
    const replay = await h.call('POST', '/token', form({ grant_type: 'refresh_token', refresh_token }))
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: 'Invalid Refresh Token' } })
  })

  it('an unknown grant type is 400 unsupported_grant_type', async () => {
    expect((await h.call('POST', '/token', form({ grant_type: 'magic' }))).body).toEqual({ error: 'unsupported_grant_type', error_description: '' })
  })
})

describe('service routes', () => {
  it('GET /health names GoTrue', async () => {
    expect(await h.call('GET', '/health', { token: null })).toMatchObject({
      status: 200,
      body: { name: 'GoTrue', description: 'GoTrue is a user registration and authentication API', version: expect.any(String) },
    })
  })

  it('GET /settings has email signups on and autoconfirm off', async () => {
    expect(await h.call('GET', '/settings', { token: null })).toMatchObject({
      status: 200,
      body: { external: { email: true }, disable_signup: false, autoconfirm: false },
    })
  })
})

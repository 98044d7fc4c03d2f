import { randomBytes, randomUUID } from 'node:crypto'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SITE_URL, START, startSandbox, type Harness } from './harness.ts'

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

let h: Harness
const sentMail: Array<{ email: string; link: string; token: string }> = []
beforeEach(async () => {
  sentMail.length = 0
  h = await startSandbox({ onInvite: (mail) => sentMail.push(mail) })
})
afterEach(() => h.close())

describe('admin authentication (POST /invite and /admin/*)', () => {
  const routes = [
    ['POST', '/invite'],
    ['GET', '/admin/users'],
  ] as const

  it.each(routes)('%s %s without a bearer token is 401 "This endpoint requires a Bearer token"', async (method, path) => {
    const headerSets: Array<Record<string, string>> = [{}, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, { authorization: 'Bearer' }]
    for (const headers of headerSets) {
      const res = await h.call(method, path, { token: null, headers, json: { email: 'a@example.com' } })
      expect(res).toMatchObject({ status: 401, body: { code: 401, msg: 'This endpoint requires a Bearer token' } })
    }
  })

  it.each(routes)('%s %s with a token signed by another secret is 401 "Invalid token: signature is invalid"', async (method, path) => {
    const forged = await h.sign({ sub: '0', exp: 2_000_000_000 }, { secret: randomBytes(32).toString('base64url') })
    const res = await h.call(method, path, { token: forged, json: { email: 'a@example.com' } })
    expect(res).toMatchObject({ status: 401, body: { code: 401, msg: 'Invalid token: signature is invalid' } })
  })

  it('an expired admin token is 401 "Invalid token: token is expired by 5s"', async () => {
    const token = await h.sandbox.adminToken(60)
    h.advance(65)
    const res = await h.call('POST', '/invite', { token, json: { email: 'a@example.com' } })
    expect(res).toMatchObject({ status: 401, body: { msg: 'Invalid token: token is expired by 5s' } })
  })

  it('a token that is not an HS256 JWT is 401 with jwt-go wording', async () => {
    const hs384 = await h.sign({ sub: '0' }, { alg: 'HS384' })
    expect((await h.call('GET', '/admin/users', { token: hs384 })).body.msg).toBe('Invalid token: signing method HS384 is invalid')
    expect((await h.call('GET', '/admin/users', { token: 'not-a-jwt' })).body.msg).toBe(
      'Invalid token: token contains an invalid number of segments',
    )
  })

  it('a valid token whose sub is neither "0" nor an existing user is 401 "Invalid admin user"', async () => {
    for (const sub of [randomUUID(), 'someone']) {
      const res = await h.call('GET', '/admin/users', { token: await h.sign({ sub }) })
      expect(res).toMatchObject({ status: 401, body: { code: 401, msg: 'Invalid admin user' } })
    }
  })

  it('a site user token is 401 "User not allowed" until the top-level role is admin; app_metadata roles do not count', async () => {
    const member = await h.signUp('member@example.com', 'pw-member')
    await h.call('PUT', `/admin/users/${member.id}`, { json: { app_metadata: { roles: ['admin'] } } })
    const refused = await h.call('POST', '/invite', { token: member.access_token, json: { email: 'x@example.com' } })
    expect(refused).toMatchObject({ status: 401, body: { code: 401, msg: 'User not allowed' } })

    await h.call('PUT', `/admin/users/${member.id}`, { json: { role: 'admin' } })
    const allowed = await h.call('POST', '/invite', { token: member.access_token, json: { email: 'x@example.com' } })
    expect(allowed.status).toBe(200)
  })

  it('an admin body that is not JSON is 400 "Could not decode admin user params: ..."', async () => {
    const { id } = (await h.invite('a@example.com')).body
    const res = await h.call('PUT', `/admin/users/${id}`, { body: 'plain text', headers: { 'content-type': 'application/json' } })
    expect(res).toMatchObject({
      status: 400,
      body: { code: 400, msg: "Could not decode admin user params: invalid character 'p' looking for beginning of value" },
    })
  })

  it('adminToken() mints exactly the payload Netlify hands a function: {exp, sub:"0"}, HS256', async () => {
    expect(decodeProtectedHeader(h.adminToken).alg).toBe('HS256')
    const { payload } = await jwtVerify(h.adminToken, new TextEncoder().encode(h.jwtSecret), { currentDate: new Date(START) })
    expect(payload).toEqual({ sub: '0', exp: Math.floor(START / 1000) + 3600 })
  })
})

describe('POST /invite', () => {
  it('creates an invited user, answers it in GoTrue shape and sends the invite link', async () => {
    const res = await h.invite('New@Example.com', { full_name: 'Ann' })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID_V4),
      aud: '',
      role: '',
      email: 'New@Example.com',
      invited_at: '2026-05-01T12:00:00.1Z',
      app_metadata: { provider: 'email' },
      user_metadata: { full_name: 'Ann' },
      created_at: '2026-05-01T12:00:00.1Z',
      updated_at: '2026-05-01T12:00:00.1Z',
    })
    expect(res.body).not.toHaveProperty('confirmed_at')
    const [mail] = sentMail
    expect(mail).toEqual({ email: 'New@Example.com', token: expect.any(String), link: `${SITE_URL}/#invite_token=${mail?.token}` })
    expect(h.sandbox.invites).toEqual([{ ...mail, at: START }])
  })

  it('without data, user_metadata is null', async () => {
    expect((await h.invite('a@example.com')).body.user_metadata).toBeNull()
  })

  it('an empty body is 400 "Could not read Invite params: EOF"', async () => {
    const res = await h.call('POST', '/invite', { body: '' })
    expect(res).toMatchObject({ status: 400, body: { code: 400, msg: 'Could not read Invite params: EOF' } })
  })

  it.each([{}, { email: '' }, { data: { full_name: 'Ann' } }])('%j is 422 "An email address is required"', async (json) => {
    const res = await h.call('POST', '/invite', { json })
    expect(res).toMatchObject({ status: 422, body: { code: 422, msg: 'An email address is required' } })
  })

  it.each(['not-an-email', 'a@', '@example.com', 'a b@example.com'])('%s is 422 "Unable to validate email address: invalid format"', async (email) => {
    const res = await h.invite(email)
    expect(res).toMatchObject({ status: 422, body: { code: 422, msg: 'Unable to validate email address: invalid format' } })
  })

  it('a second invite for the same address, in any case, is 422 and sends nothing', async () => {
    expect((await h.invite('dup@example.com')).status).toBe(200)
    for (const email of ['dup@example.com', 'DUP@Example.COM']) {
      const res = await h.invite(email)
      expect(res).toMatchObject({ status: 422, body: { code: 422, msg: 'Email address already registered by another user' } })
    }
    expect(sentMail).toHaveLength(1)
    expect(h.sandbox.users().map((u) => u.email)).toEqual(['dup@example.com'])
  })

  it('racing invites for one address: exactly one is created', async () => {
    const answers = await Promise.all(['race@example.com', 'RACE@example.com', 'race@example.com'].map((email) => h.invite(email)))
    expect(answers.map((a) => a.status).sort()).toEqual([200, 422, 422])
    expect(h.sandbox.users()).toHaveLength(1)
  })

  it('an address that belongs to a confirmed user is 422 too', async () => {
    await h.signUp('done@example.com', 'pw')
    expect((await h.invite('done@example.com')).body.msg).toBe('Email address already registered by another user')
  })

  it('a failed mail send is 500 "Error inviting user" with an error_id and saves nothing', async () => {
    const failing = await startSandbox({
      onInvite: () => {
        throw new Error('smtp down')
      },
    })
    try {
      const res = await failing.invite('a@example.com')
      expect(res).toMatchObject({ status: 500, body: { code: 500, msg: 'Error inviting user', error_id: expect.any(String) } })
      expect(failing.sandbox.users()).toEqual([])
    } finally {
      await failing.close()
    }
  })

  it('fields of the wrong JSON type are 400, as Go fails to decode them', async () => {
    const res = await h.call('POST', '/invite', { json: { email: 42 } })
    expect(res.body.msg).toBe('Could not read Invite params: json: cannot unmarshal number into Go struct field InviteParams.email of type string')
  })
})

import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startSandbox, type Harness } from './harness.ts'

let h: Harness
beforeEach(async () => {
  h = await startSandbox()
})
afterEach(() => h.close())

/** Invites each address one second apart, so created_at orders them. */
async function inviteAll(entries: Array<[email: string, fullName?: string]>): Promise<void> {
  for (const [email, fullName] of entries) {
    h.advance(1)
    expect((await h.invite(email, fullName ? { full_name: fullName } : undefined)).status).toBe(200)
  }
}

const emailsOf = (body: { users: Array<{ email: string }> }) => body.users.map((u) => u.email)

describe('GET /admin/users', () => {
  it('filter is a case-insensitive substring of email or full name; X-Total-Count counts the matches', async () => {
    await inviteAll([['ann@shop.example', 'Ann Lee'], ['bob@other.example', 'Bob SHOPkeeper'], ['carl@other.example']])
    const res = await h.call('GET', '/admin/users?filter=SHOP')
    expect(res.status).toBe(200)
    expect(res.body.aud).toBe('')
    expect(emailsOf(res.body).sort()).toEqual(['ann@shop.example', 'bob@other.example'])
    expect(res.headers.get('x-total-count')).toBe('2')
  })

  it('filter is a LIKE pattern, so "_" matches any character: check the exact email yourself', async () => {
    await inviteAll([['a_b@example.com'], ['axb@example.com']])
    expect(emailsOf((await h.call('GET', '/admin/users?filter=a_b@example.com')).body).sort()).toEqual(['a_b@example.com', 'axb@example.com'])
  })

  it('pages with page/per_page, newest first, with next and last links', async () => {
    await inviteAll([['u1@example.com'], ['u2@example.com'], ['u3@example.com'], ['u4@example.com'], ['u5@example.com']])
    const page2 = await h.call('GET', '/admin/users?page=2&per_page=2')
    expect(emailsOf(page2.body)).toEqual(['u3@example.com', 'u2@example.com'])
    expect(page2.headers.get('x-total-count')).toBe('5')
    const link = page2.headers.get('link') ?? ''
    expect(link).toMatch(/[?&]page=3[^>]*>; rel="next"/)
    expect(link).toMatch(/[?&]page=3[^>]*>; rel="last"/)

    const page3 = await h.call('GET', '/admin/users?page=3&per_page=2')
    expect(emailsOf(page3.body)).toEqual(['u1@example.com'])
    expect(page3.headers.get('link')).not.toContain('rel="next"')
  })

  it('sort=created_at asc lists oldest first', async () => {
    await inviteAll([['u1@example.com'], ['u2@example.com']])
    expect(emailsOf((await h.call('GET', '/admin/users?sort=created_at%20asc')).body)).toEqual(['u1@example.com', 'u2@example.com'])
  })

  it('a page that is not a number is 400', async () => {
    expect((await h.call('GET', '/admin/users?page=two')).body).toEqual({
      code: 400,
      msg: 'Bad Pagination Parameters: strconv.ParseUint: parsing "two": invalid syntax',
    })
  })
})

describe('GET, PUT, DELETE /admin/users/:id', () => {
  it.each(['GET', 'PUT', 'DELETE'])('%s with an id that is not a UUID is 400 "user_id must be an UUID"', async (method) => {
    const res = await h.call(method, '/admin/users/42', { json: {} })
    expect(res).toMatchObject({ status: 400, body: { code: 400, msg: 'user_id must be an UUID' } })
  })

  it.each(['GET', 'PUT', 'DELETE'])('%s with an unknown id is 404 "User not found"', async (method) => {
    const res = await h.call(method, `/admin/users/${randomUUID()}`, { json: {} })
    expect(res).toMatchObject({ status: 404, body: { code: 404, msg: 'User not found' } })
  })

  it('GET answers the user', async () => {
    const { id } = (await h.invite('ann@example.com')).body
    expect((await h.call('GET', `/admin/users/${id}`)).body).toMatchObject({ id, email: 'ann@example.com' })
  })

  it('PUT merges metadata one level deep: top-level keys replace (arrays and objects whole), null deletes', async () => {
    const { id } = (await h.invite('ann@example.com', { full_name: 'Ann', plan: 'basic', prefs: { a: 1, b: 2 } })).body
    await h.call('PUT', `/admin/users/${id}`, { json: { app_metadata: { roles: ['member', 'beta'] } } })

    h.advance(10)
    const res = await h.call('PUT', `/admin/users/${id}`, {
      json: { app_metadata: { roles: ['pro'] }, user_metadata: { plan: null, team: 'x', prefs: { a: 3 } } },
    })
    expect(res.status).toBe(200)
    expect(res.body.app_metadata).toEqual({ provider: 'email', roles: ['pro'] })
    expect(res.body.user_metadata).toEqual({ full_name: 'Ann', team: 'x', prefs: { a: 3 } })
    expect(res.body.updated_at).toBe('2026-05-01T12:00:10.1Z')
    expect((await h.call('GET', `/admin/users/${id}`)).body).toEqual(res.body)
  })

  it('PUT sets role, email, confirm and password', async () => {
    const { id } = (await h.invite('ann@example.com')).body
    const res = await h.call('PUT', `/admin/users/${id}`, { json: { role: 'admin', email: 'ann@new.example', confirm: true, password: 'pw-new' } })
    expect(res.body).toMatchObject({ role: 'admin', email: 'ann@new.example', confirmed_at: '2026-05-01T12:00:00.1Z' })

    const login = await h.call('POST', '/token', { token: null, json: { grant_type: 'password', username: 'ann@new.example', password: 'pw-new' } })
    expect(login.status).toBe(200)
  })

  it('PUT with a field of the wrong type is 400', async () => {
    const { id } = (await h.invite('ann@example.com')).body
    const res = await h.call('PUT', `/admin/users/${id}`, { json: { app_metadata: { roles: ['pro'] }, role: 7 } })
    expect(res.body.msg).toBe('Could not decode admin user params: json: cannot unmarshal number into Go struct field adminUserParams.role of type string')
    expect(h.sandbox.users()[0]?.app_metadata).toEqual({ provider: 'email' })
  })

  it('DELETE answers {} and frees the address for a new invite', async () => {
    const { id } = (await h.invite('ann@example.com')).body
    const res = await h.call('DELETE', `/admin/users/${id}`)
    expect([res.status, res.body]).toEqual([200, {}])
    expect((await h.call('GET', `/admin/users/${id}`)).status).toBe(404)
    expect((await h.invite('ann@example.com')).status).toBe(200)
  })
})

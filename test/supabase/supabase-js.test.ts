import { AuthApiError, createClient, type SupabaseClient } from '@supabase/supabase-js'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { serveSupabaseDouble, type ServedSupabaseDouble } from '../helpers/supabase-double/serve.ts'

/**
 * The double proved against a client nobody here wrote: supabase-js's admin
 * calls must read its answers exactly as they read a Supabase project's.
 */
let served: ServedSupabaseDouble
let admin: SupabaseClient['auth']['admin']

const clientWith = (key: string) => createClient(served.url, key, { auth: { autoRefreshToken: false, persistSession: false } })

beforeAll(async () => {
  served = await serveSupabaseDouble()
  admin = clientWith(served.double.keys.serviceRoleKey).auth.admin
})
afterAll(() => served.close())
beforeEach(() => served.double.reset())

describe('auth.admin.inviteUserByEmail', () => {
  it('creates an unconfirmed user with the invite data in user_metadata, and mails the invite', async () => {
    const { data, error } = await admin.inviteUserByEmail('Ann@Example.com', { data: { full_name: 'Ann' } })
    expect(error).toBeNull()
    expect(data.user).toMatchObject({ email: 'ann@example.com', user_metadata: { full_name: 'Ann' }, app_metadata: { provider: 'email' } })
    expect(data.user?.email_confirmed_at).toBeUndefined()
    expect(data.user?.invited_at).toEqual(expect.any(String))
    expect(served.double.invites.map((invite) => invite.email)).toEqual(['ann@example.com'])
  })

  it('mails an invited, unconfirmed user again: 200, the same user, data unchanged', async () => {
    const first = await admin.inviteUserByEmail('ann@example.com', { data: { full_name: 'Ann' } })
    const again = await admin.inviteUserByEmail('ann@example.com', { data: { full_name: 'Someone Else' } })
    expect(again.error).toBeNull()
    expect(again.data.user?.id).toBe(first.data.user?.id)
    expect(again.data.user?.user_metadata).toEqual({ full_name: 'Ann' })
    expect(served.double.invites).toHaveLength(2)
  })

  it('refuses a confirmed user with 422 email_exists', async () => {
    await admin.inviteUserByEmail('ann@example.com')
    served.double.acceptInvite('ann@example.com')
    const { data, error } = await admin.inviteUserByEmail('ann@example.com')
    expect(data.user).toBeNull()
    expect(error).toBeInstanceOf(AuthApiError)
    expect(error).toMatchObject({ status: 422, code: 'email_exists', message: 'A user with this email address has already been registered' })
    expect(served.double.invites).toHaveLength(1)
  })

  it('refuses an address that is not one with 400 validation_failed, and creates nobody', async () => {
    const { error } = await admin.inviteUserByEmail('not an address')
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', message: 'Unable to validate email address: invalid format' })
    expect(served.double.users()).toHaveLength(0)
  })

  it('refuses with 429 over_email_send_rate_limit once the hourly mail limit is used, and saves nothing', async () => {
    served.double.settings.emailsPerHour = 1
    await admin.inviteUserByEmail('ann@example.com')
    const { error } = await admin.inviteUserByEmail('bob@example.com')
    expect(error).toMatchObject({ status: 429, code: 'over_email_send_rate_limit' })
    expect(served.double.users().map((user) => user.email)).toEqual(['ann@example.com'])
  })

  it('refuses the anon key with 403 not_admin', async () => {
    const { error } = await clientWith(served.double.keys.anonKey).auth.admin.inviteUserByEmail('ann@example.com')
    expect(error).toMatchObject({ status: 403, code: 'not_admin' })
    expect(served.double.inviteRequests).toHaveLength(0)
  })
})

describe('auth.admin.updateUserById', () => {
  it('merges app_metadata by top-level key: roles replace roles, provider stays, null deletes', async () => {
    const { data } = await admin.inviteUserByEmail('ann@example.com')
    const id = data.user!.id
    await admin.updateUserById(id, { app_metadata: { roles: ['pro'], plan: 'x' } })
    const { data: updated, error } = await admin.updateUserById(id, { app_metadata: { roles: ['basic', 'pro'], plan: null } })
    expect(error).toBeNull()
    expect(updated.user?.app_metadata).toEqual({ provider: 'email', providers: ['email'], roles: ['basic', 'pro'] })
  })

  it('confirms the address with email_confirm, after which a new invite is refused', async () => {
    const { data } = await admin.inviteUserByEmail('ann@example.com')
    const { data: confirmed } = await admin.updateUserById(data.user!.id, { email_confirm: true })
    expect(confirmed.user?.email_confirmed_at).toEqual(expect.any(String))
    expect((await admin.inviteUserByEmail('ann@example.com')).error?.code).toBe('email_exists')
  })

  it('answers 404 user_not_found for an id nobody has', async () => {
    const { error } = await admin.updateUserById(crypto.randomUUID(), { app_metadata: { roles: [] } })
    expect(error).toMatchObject({ status: 404, code: 'user_not_found' })
  })
})

describe('auth.admin.getUserById and listUsers', () => {
  it('reads a user back by id', async () => {
    const { data } = await admin.inviteUserByEmail('ann@example.com')
    expect((await admin.getUserById(data.user!.id)).data.user?.email).toBe('ann@example.com')
  })

  it('pages through users with the Link and X-Total-Count headers supabase-js reads', async () => {
    for (const name of ['ann', 'bob', 'cid']) await admin.inviteUserByEmail(`${name}@example.com`)
    const first = await admin.listUsers({ page: 1, perPage: 2 })
    expect(first.error).toBeNull()
    expect(first.data).toMatchObject({ total: 3, nextPage: 2, lastPage: 2 })
    expect(first.data.users).toHaveLength(2)
    const second = await admin.listUsers({ page: 2, perPage: 2 })
    expect(second.data.users).toHaveLength(1)
    expect(new Set([...first.data.users, ...second.data.users].map((user) => user.email)).size).toBe(3)
  })
})

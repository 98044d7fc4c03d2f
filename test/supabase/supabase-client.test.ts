import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { readSupabaseError } from '../../src/core/clients/supabase-answers.ts'
import { createSupabaseClient } from '../../src/core/clients/supabase-client.ts'
import { UpstreamError } from '../../src/core/domain/errors.ts'
import { serveSupabaseDouble, type ServedSupabaseDouble } from '../helpers/supabase-double/serve.ts'

let served: ServedSupabaseDouble
beforeAll(async () => {
  served = await serveSupabaseDouble()
})
afterAll(() => served.close())
beforeEach(() => served.double.reset())

const client = (key = served.double.keys.serviceRoleKey, timeoutMs = 2000) => createSupabaseClient({ url: served.url, serviceRoleKey: key, timeoutMs })
const directInvite = (email: string) =>
  fetch(`${served.url}/auth/v1/invite`, {
    method: 'POST',
    headers: { apikey: served.double.keys.serviceRoleKey, authorization: `Bearer ${served.double.keys.serviceRoleKey}` },
    body: JSON.stringify({ email }),
  })

async function thrown(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(() => undefined, (error: unknown) => error)
  expect(error).toBeInstanceOf(UpstreamError)
  return error as UpstreamError
}

describe('invite', () => {
  it('invites a new address with its data, in one POST /invite', async () => {
    const result = await client().invite('ann@example.com', { full_name: 'Ann' })
    const [user] = served.double.users()
    expect(result).toEqual({ outcome: 'invited', userId: user?.id })
    expect(user?.user_metadata).toEqual({ full_name: 'Ann' })
    expect(served.double.inviteRequests).toEqual(['ann@example.com'])
  })

  it('answers already_registered for an invited, unconfirmed user without asking Supabase to mail them again', async () => {
    await directInvite('ann@example.com')
    expect(await client().invite('Ann@Example.com')).toEqual({ outcome: 'already_registered' })
    expect(served.double.invites).toHaveLength(1)
    expect(served.double.inviteRequests).toHaveLength(1) // only the direct one
  })

  it('answers already_registered for a confirmed user', async () => {
    await directInvite('ann@example.com')
    served.double.acceptInvite('ann@example.com')
    expect(await client().invite('ann@example.com')).toEqual({ outcome: 'already_registered' })
  })

  it('answers already_registered when the address was confirmed between the look-up and the invite (422 email_exists)', async () => {
    const racing: typeof fetch = async (input, init) => {
      if (init?.method === 'POST') {
        await directInvite('ann@example.com')
        served.double.acceptInvite('ann@example.com')
      }
      return fetch(input, init)
    }
    const result = await createSupabaseClient({ url: served.url, serviceRoleKey: served.double.keys.serviceRoleKey, fetch: racing, timeoutMs: 2000 }).invite('ann@example.com')
    expect(result).toEqual({ outcome: 'already_registered' })
    expect(served.double.inviteRequests).toEqual(['ann@example.com', 'ann@example.com'])
  })

  it('reads error codes in the initial API shape too ({ code: status, error_code, msg })', async () => {
    const response = await fetch(`${served.url}/auth/v1/invite`, {
      method: 'POST',
      headers: { apikey: served.double.keys.serviceRoleKey, authorization: `Bearer ${served.double.keys.serviceRoleKey}` },
      body: JSON.stringify({ email: 'not an address' }),
    })
    expect(await readSupabaseError(response)).toEqual({ status: 400, code: 'validation_failed', message: 'Unable to validate email address: invalid format' })
  })

  it('rejects an address Supabase cannot validate, as final', async () => {
    expect(await client().invite('not an address')).toEqual({ outcome: 'rejected', reason: 'Unable to validate email address: invalid format' })
  })

  it('rejects an address the mailer refuses, without repeating the address', async () => {
    served.double.settings.undeliverable = (email) => email.endsWith('@nowhere.example')
    expect(await client().invite('ann@nowhere.example')).toEqual({ outcome: 'rejected', reason: 'Email address (address) is invalid' })
  })

  it('retries when the project may not mail the address yet (no custom SMTP), saying what to fix', async () => {
    served.double.settings.authorizedAddresses = ['owner@example.com']
    const error = await thrown(client().invite('ann@example.com'))
    expect(error).toMatchObject({ status: 502, code: 'identity_failed', message: expect.stringContaining('custom SMTP') })
    expect(error.message).not.toContain('ann@example.com')
  })

  it('retries when the hourly email limit is reached', async () => {
    served.double.settings.emailsPerHour = 0
    expect(await thrown(client().invite('ann@example.com'))).toMatchObject({ status: 503, code: 'identity_rate_limited', message: expect.stringContaining('RATE_LIMIT_EMAIL_SENT') })
  })

  it("passes a 429's Retry-After on", async () => {
    served.double.faults.set({ kind: 'status', status: 429, retryAfter: 7, times: 1 })
    expect(await thrown(client().invite('ann@example.com'))).toMatchObject({ code: 'identity_rate_limited', retryAfter: 7 })
  })

  it('names SUPABASE_SERVICE_ROLE_KEY, never its value, when the key is refused', async () => {
    const wrong = randomBytes(24).toString('hex')
    const error = await thrown(client(wrong).invite('ann@example.com'))
    expect(error).toMatchObject({ status: 503, code: 'identity_auth_failed', message: expect.stringContaining('SUPABASE_SERVICE_ROLE_KEY') })
    expect(error.message).not.toContain(wrong)
  })

  it('refuses the anon key as an admin credential', async () => {
    expect(await thrown(client(served.double.keys.anonKey).invite('ann@example.com'))).toMatchObject({ code: 'identity_auth_failed' })
  })

  it("does not take a proxy's 200 page for an invite", async () => {
    served.double.faults.set({ kind: 'html', times: 1 })
    expect(await thrown(client().invite('ann@example.com'))).toMatchObject({ code: 'identity_bad_answer' })
  })

  it('gives up after its time limit', async () => {
    served.double.faults.set({ kind: 'slow', delayMs: 400, times: 1 })
    expect(await thrown(client(undefined, 100).invite('ann@example.com'))).toMatchObject({ status: 503, code: 'identity_timeout' })
  })
})

describe('roles and look-ups', () => {
  it('finds the user with exactly this address, not one whose address contains it', async () => {
    await directInvite('joann@example.com')
    expect(await client().findUserByEmail('ann@example.com')).toBeNull()
    await directInvite('ann@example.com')
    expect((await client().findUserByEmail('ANN@example.com'))?.email).toBe('ann@example.com')
  })

  it('past its last page of near misses the look-up will not say nobody; an invite then asks, and Auth answers', async () => {
    const crowded = `cy.${crypto.randomUUID()}@example.com`
    for (let n = 0; n < 500; n++) await directInvite(`${n}${crowded}`)
    expect(await client().findUserByEmail(crowded).catch((error: unknown) => error)).toMatchObject({ status: 502, code: 'identity_lookup_too_broad', message: expect.stringContaining('more than 500 accounts') })
    expect(await client().invite(crowded)).toMatchObject({ outcome: 'invited' })
  })

  it('writes roles into app_metadata.roles and keeps what Supabase keeps there', async () => {
    const invited = await client().invite('ann@example.com')
    const id = invited.outcome === 'invited' ? invited.userId : ''
    await client().setRoles(id, ['pro'])
    expect((await client().getUserById(id))?.app_metadata).toEqual({ provider: 'email', providers: ['email'], roles: ['pro'] })
  })

  it('answers null for an id nobody has, or one that is not a UUID', async () => {
    expect(await client().getUserById(crypto.randomUUID())).toBeNull()
    expect(await client().getUserById('not-a-uuid')).toBeNull()
  })
})

describe('getUser', () => {
  it("returns the user a site user's access token belongs to", async () => {
    await directInvite('ann@example.com')
    const [user] = served.double.users()
    const token = served.double.keys.accessToken({ id: user!.id, email: user!.email })
    expect((await client().getUser(token))?.id).toBe(user!.id)
  })

  it('answers null for the service role key (no user in it), a forged token, or garbage', async () => {
    expect(await client().getUser(served.double.keys.serviceRoleKey)).toBeNull()
    expect(await client().getUser(`${served.double.keys.anonKey}x`)).toBeNull()
    expect(await client().getUser('garbage')).toBeNull()
  })
})

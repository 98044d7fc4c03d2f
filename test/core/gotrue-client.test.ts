import { randomBytes, randomUUID } from 'node:crypto'
import { Hono } from 'hono'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createGoTrueClient } from '../../src/core/clients/gotrue-client.ts'
import { listen, type Listening } from '../../src/local/listen.ts'
import { serveIdentitySandbox, type ServedIdentitySandbox } from '../../src/sandbox/serve.ts'

/** A proxy in front of identity that answers in its own words, not GoTrue's. */
describe('the GoTrue client facing answers that are not GoTrue\'s', () => {
  let server: Listening
  let url: string
  beforeAll(async () => {
    const app = new Hono()
    app.post('/invite', (c) => c.text('Unprocessable', 422))
    server = await listen(app.fetch, { hostname: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${server.port}`
  })
  afterAll(() => server.close())

  it('retries (throws a 502) rather than treating a 422 without GoTrue\'s message as a final rejection', async () => {
    const client = createGoTrueClient({ target: { url, credential: { kind: 'token', token: 'not-checked-here' } }, timeoutMs: 1000 })
    await expect(client.invite('ann@example.com')).rejects.toMatchObject({ status: 502, code: 'identity_failed' })
  })
})

/** GoTrue's user object as POST /invite returns it (api/invite.go sends the new user). */
function goTrueUser(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: randomUUID(),
    aud: '',
    role: '',
    email: 'ann@example.com',
    invited_at: '2026-05-01T12:00:00.123456789Z',
    app_metadata: { provider: 'email' },
    user_metadata: null,
    created_at: '2026-05-01T12:00:00.1Z',
    updated_at: '2026-05-01T12:00:00.1Z',
    ...overrides,
  }
}

describe('what the GoTrue client accepts as an answer to POST /invite', () => {
  let server: Listening
  let url: string
  /** The answers still to give, in order; once empty, GoTrue's success for the asked address. */
  let script: Array<(asked: string) => Response>
  let asked: string[]
  beforeAll(async () => {
    const app = new Hono()
    app.post('/invite', async (c) => {
      const { email } = await c.req.json<{ email: string }>()
      asked.push(email)
      return script.shift()?.(email) ?? c.json(goTrueUser({ email }))
    })
    server = await listen(app.fetch, { hostname: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${server.port}`
  })
  beforeEach(() => {
    script = []
    asked = []
  })
  afterAll(() => server.close())

  const client = () => createGoTrueClient({ target: { url, credential: { kind: 'token', token: 'not-checked-here' } }, timeoutMs: 1000 })
  const goTrueError = (status: number, msg: string) => () => Response.json({ code: status, msg }, { status })

  it('is invited only with the new user, and then with its id', async () => {
    const answer = await client().invite('ann@example.com')
    expect(answer).toEqual({ outcome: 'invited', userId: expect.stringMatching(/^[0-9a-f-]{36}$/) })
  })

  it('compares the address it got back with the one it asked for as addresses, not as text', async () => {
    script = [() => Response.json(goTrueUser({ email: 'Ann@Example.com' }))]
    expect((await client().invite('ann@example.com')).outcome).toBe('invited')
  })

  it('takes a proxy\'s HTML page with 200 for a failure to retry, and the retry invites once', async () => {
    script = [() => new Response('<!doctype html><title>Maintenance</title><p>Back soon', { status: 200, headers: { 'content-type': 'text/html' } })]
    await expect(client().invite('ann@example.com')).rejects.toMatchObject({ status: 502, code: 'identity_bad_answer' })
    expect((await client().invite('ann@example.com')).outcome).toBe('invited')
    expect(asked).toEqual(['ann@example.com', 'ann@example.com'])
  })

  it('takes a 200 user without an id for a failure to retry', async () => {
    script = [(email) => Response.json(goTrueUser({ email, id: undefined }))]
    await expect(client().invite('ann@example.com')).rejects.toMatchObject({ status: 502, code: 'identity_bad_answer' })
  })

  it('takes a 200 user with another address for a failure to retry', async () => {
    script = [() => Response.json(goTrueUser({ email: 'bob@example.com' }))]
    await expect(client().invite('ann@example.com')).rejects.toMatchObject({ status: 502, code: 'identity_bad_answer' })
  })

  it('retries a 422 in words GoTrue never uses for /invite', async () => {
    script = [goTrueError(422, 'Internal server error')]
    await expect(client().invite('ann@example.com')).rejects.toMatchObject({ status: 502, code: 'identity_failed' })
  })

  it('retries the failed identity-validate hook: the hook function may be down for a moment', async () => {
    script = [goTrueError(422, 'Failed to handle signup webhook')]
    await expect(client().invite('ann@example.com')).rejects.toMatchObject({ status: 502, code: 'identity_failed' })
  })

  it.each([
    'Unable to validate email address: invalid format',
    'Unable to validate email address: no MX record for example.invalid',
    'An email address is required',
  ])('takes GoTrue\'s refusal of the address as final: %j', async (msg) => {
    script = [goTrueError(422, msg)]
    expect(await client().invite('ann@example.com')).toEqual({ outcome: 'rejected', reason: msg })
  })

  it.each([
    'Email address already registered by another user',
    'A user with this email address has already been registered',
  ])('takes %j as the person already having an account', async (msg) => {
    script = [goTrueError(422, msg)]
    expect(await client().invite('ann@example.com')).toEqual({ outcome: 'already_registered' })
  })
})

describe('where the GoTrue client says it invites', () => {
  it('names the identity server without the user name and password of its URL', () => {
    const password = randomUUID()
    const client = createGoTrueClient({ target: { url: `https://admin:${password}@identity.example/.netlify/identity`, credential: { kind: 'token', token: 'unused' } }, timeoutMs: 1000 })
    expect(client.url).toBe('https://identity.example/.netlify/identity')
  })
})

/** Asked to look first (an earlier attempt may have saved the user), the client asks GoTrue's admin list before POST /invite. */
describe('the GoTrue client looking before it invites', () => {
  let identity: ServedIdentitySandbox
  const jwtSecret = randomBytes(32).toString('hex')
  beforeAll(async () => {
    identity = await serveIdentitySandbox({ jwtSecret, siteUrl: 'http://127.0.0.1' })
  })
  afterAll(() => identity.close())
  const client = () => createGoTrueClient({ target: { url: identity.url, credential: { kind: 'jwt-secret', secret: jwtSecret } }, timeoutMs: 2000 })
  const posted = (email: string) => identity.sandbox.inviteRequests.filter((asked) => asked === email).length

  it('finds the account an earlier attempt saved and does not ask GoTrue again', async () => {
    const email = `saved.${randomUUID()}@example.com`
    expect(await client().invite(email)).toMatchObject({ outcome: 'invited' })

    expect(await client().invite(email, undefined, { lookFirst: true })).toEqual({ outcome: 'already_registered' })
    expect(posted(email)).toBe(1)
  })

  it('finds nobody at the address (only a longer one that contains it) and invites', async () => {
    const email = `ann.${randomUUID()}@example.com`
    await client().invite(`jo${email}`)

    expect(await client().invite(email, undefined, { lookFirst: true })).toMatchObject({ outcome: 'invited' })
    expect(posted(email)).toBe(1)
  })

  it('pages past accounts whose addresses contain this one; past its last page it cannot say nobody, so it asks, and GoTrue refuses a registered address', async () => {
    const email = `bo.${randomUUID()}@example.com`
    for (let n = 0; n < 250; n++) await client().invite(`${n}${email}`)
    await client().invite(email)
    // 251 matches: the third page holds the account.
    expect(await client().invite(email, undefined, { lookFirst: true })).toEqual({ outcome: 'already_registered' })
    expect(posted(email)).toBe(1)

    const crowded = `cy.${randomUUID()}@example.com`
    for (let n = 0; n < 500; n++) await client().invite(`${n}${crowded}`)
    await client().invite(crowded)
    // The account is on the sixth page: the look-up gives up rather than answer nobody.
    expect(await client().findUserByEmail(crowded).catch((error: unknown) => error)).toMatchObject({ status: 502, code: 'identity_lookup_too_broad', message: expect.stringContaining('more than 500 accounts') })
    expect(await client().invite(crowded, undefined, { lookFirst: true })).toEqual({ outcome: 'already_registered' })
    expect(identity.sandbox.users().filter((user) => user.email === crowded)).toHaveLength(1)
  })
})

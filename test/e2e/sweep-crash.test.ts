import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveIdentitySandbox, type ServedIdentitySandbox } from '../../src/sandbox/serve.ts'
import { startNpmServer, type ChildServer } from '../helpers/child-server.ts'
import { stripeEvent } from '../helpers/fixtures.ts'
import { apiKey } from '../helpers/invites.ts'
import { stripeRequest, stripeSecret } from '../helpers/signing.ts'

const until = async (what: string, done: () => boolean | Promise<boolean>, limitMs = 25_000) => {
  const deadline = Date.now() + limitMs
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('npm start retries queued events by itself, through a kill -9 in the middle of a sweep', () => {
  let identity: ServedIdentitySandbox
  let dataDir: string
  let server: ChildServer | undefined
  const secret = stripeSecret()
  const jwtSecret = randomBytes(32).toString('hex')
  const key = apiKey()
  const people = ['one', 'two', 'three'].map((name) => `${name}.buyer@example.com`)

  const env = () => ({
    PORT: '0',
    BRIDGE_DATA_DIR: dataDir,
    STRIPE_WEBHOOK_SECRET: secret,
    GITHUB_WEBHOOK_SECRET: '',
    IDENTITY_URL: identity.url,
    IDENTITY_ADMIN_TOKEN: '',
    IDENTITY_JWT_SECRET: jwtSecret,
    INVITE_API_KEYS: key,
    NODE_ENV: 'production',
    // The whole cycle in seconds: sweep every second, first retry after one, a crashed sweeper's hold lapses after two.
    BRIDGE_SWEEP_SECONDS: '1',
    BRIDGE_RETRY_FIRST_SECONDS: '1',
    IDENTITY_TIMEOUT_MS: '1000',
    BRIDGE_LEASE_MS: '2000',
  })

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'invite-bridge-sweep-crash-'))
    identity = await serveIdentitySandbox({ jwtSecret, siteUrl: 'http://localhost:8888' })
  })
  afterAll(async () => {
    await server?.stop()
    await identity.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('every queued event still finishes after the restart, each person invited once', { timeout: 60_000 }, async () => {
    server = await startNpmServer(env())
    identity.sandbox.faults.set({ kind: 'status', status: 503 })
    for (const [i, email] of people.entries()) {
      const event = stripeEvent('checkout.session.completed', { id: `evt_crash_${i}` })
      // Each buyer is a Stripe customer of their own: the ledger links a customer to one account.
      Object.assign(event.data.object, { customer: `cus_crash_${i}` })
      ;(event.data.object as { customer_details: { email: string } }).customer_details.email = email
      const answer = await fetch(`${server.url}/webhooks/stripe`, await stripeRequest(event, secret))
      expect(answer.status).toBe(202)
      expect(await answer.json()).toMatchObject({ outcome: 'queued' })
    }
    // The timer sweeps: identity is asked again with no delivery from anyone.
    await until('a retry by the sweep', () => people.some((email) => countRequests(email) >= 2))

    // The next invite request hangs; the server dies while its sweep waits on it.
    const asked = identity.sandbox.inviteRequests.length
    identity.sandbox.faults.set({ kind: 'slow', delayMs: 1500, times: 1 })
    await until('a sweep inside identity', () => identity.sandbox.inviteRequests.length > asked)
    const inFlight = identity.sandbox.inviteRequests[asked]
    await server.kill()

    server = await startNpmServer(env())
    identity.sandbox.faults.clear()
    const askedBeforeRecovery = people.map(countRequests)
    await until('every person invited', () => people.every((email) => invites(email) === 1))
    await until('no event left pending', async () => (await pendingEvents(server!.url)).length === 0)

    for (const email of people) expect(invites(email)).toBe(1)
    // Identity itself refuses a second invite, so the requests show whether the bridge held: one each since it
    // recovered, and none for the person whose invite was in flight at the kill if it landed before the retry
    // looked the address up (the crashed holder left the retry unsure, so it looks before asking).
    const since = people.map((email, i) => countRequests(email) - askedBeforeRecovery[i]!)
    people.forEach((email, i) => {
      if (email === inFlight) expect(since[i], email).toBeLessThanOrEqual(1)
      else expect(since[i], email).toBe(1)
    })
    expect(identity.sandbox.invites).toHaveLength(people.length)
    const events = await (await fetch(`${server.url}/invite-bridge/api/events?source=stripe`, { headers: { authorization: `Bearer ${key}` } })).json()
    expect(events.events.map((event: any) => event.status)).toEqual(['done', 'done', 'done'])
    // An invite in flight at the kill may have landed meanwhile: its retry then finds the account, which is success.
    for (const event of events.events) expect(['invited', 'already_registered']).toContain(event.outcome)
    expect(server.output()).not.toContain('one.buyer@example.com')
  })

  function countRequests(email: string) {
    return identity.sandbox.inviteRequests.filter((asked) => asked === email).length
  }
  function invites(email: string) {
    return identity.sandbox.invites.filter((invite) => invite.email === email).length
  }
  async function pendingEvents(url: string): Promise<unknown[]> {
    const response = await fetch(`${url}/invite-bridge/api/events?status=pending`, { headers: { authorization: `Bearer ${key}` } })
    return ((await response.json()) as { events: unknown[] }).events
  }
})

import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveIdentitySandbox, type ServedIdentitySandbox } from '../../src/sandbox/serve.ts'
import { startNpmServer, type ChildServer } from '../helpers/child-server.ts'
import { stripeEvent } from '../helpers/fixtures.ts'
import { startPostgres, type PostgresServer } from '../helpers/postgres/server.ts'
import { stripeRequest, stripeSecret } from '../helpers/signing.ts'

/**
 * Two `npm start` instances behind one PostgreSQL database, as a team runs
 * them behind a load balancer. This file runs a PostgreSQL server of its own,
 * because one test restarts it.
 */
describe('two npm start instances sharing one PostgreSQL database', () => {
  let database: PostgresServer
  let identity: ServedIdentitySandbox
  let dataDir: string
  let instances: ChildServer[] = []
  const secret = stripeSecret()
  const jwtSecret = randomBytes(32).toString('hex')

  beforeAll(async () => {
    database = await startPostgres()
    const admin = new pg.Client({ connectionString: database.url() })
    await admin.connect()
    await admin.query('CREATE DATABASE bridge')
    await admin.end()
    dataDir = await mkdtemp(join(tmpdir(), 'invite-bridge-pg-e2e-'))
    identity = await serveIdentitySandbox({ jwtSecret, siteUrl: 'http://localhost:8888' })
    const env = (name: string) => ({
      PORT: '0',
      NODE_ENV: 'production',
      BRIDGE_DATA_DIR: join(dataDir, name),
      BRIDGE_DATABASE_URL: database.url('bridge'),
      STRIPE_WEBHOOK_SECRET: secret,
      GITHUB_WEBHOOK_SECRET: '',
      IDENTITY_URL: identity.url,
      IDENTITY_ADMIN_TOKEN: '',
      IDENTITY_JWT_SECRET: jwtSecret,
      // 100 people in a few seconds is this test's traffic, not a flood to cap.
      INVITE_HOURLY_LIMIT: '10000',
      // A claim left pending by a request the restart cut short is taken over after seconds rather than a minute;
      // identity gets long enough that a loaded machine does not time it out (a timed-out invite may land, then be asked again).
      IDENTITY_TIMEOUT_MS: '2000',
      BRIDGE_LEASE_MS: '4000',
      // An event whose person was busy with another event is queued (202) for the bridge's own retry: run it soon.
      BRIDGE_SWEEP_SECONDS: '1',
    })
    instances = await Promise.all([startNpmServer(env('a')), startNpmServer(env('b'))])
  })
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop()))
    await identity?.close()
    await database?.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('500 deliveries for 100 people spread over both: no 5xx, and identity is asked exactly once per person', async () => {
    const people = crowd('race', 100)
    // Per person: the checkout twice, its invoice twice, and a late async payment: five deliveries, one person.
    const deliveries = shuffled(people.flatMap((person) => [...Array(2).fill(person.checkout), ...Array(2).fill(person.invoice), person.asyncPaid]))
    expect(deliveries).toHaveLength(500)

    const statuses = await deliverAll(deliveries.map((event, i) => ({ event, instance: instances[i % 2]! })), 32)
    expect(statuses.filter((status) => status >= 500)).toEqual([])
    // A 409 is a copy that met another copy of its event mid-flight: the sender delivers it again, and then it is a duplicate.
    const held = deliveries.filter((_, i) => statuses[i] === 409)
    expect(await deliverAll(held.map((event, i) => ({ event, instance: instances[i % 2]! })), 8)).toEqual(held.map(() => 200))

    const emails = new Set(people.map((person) => person.email))
    const asked = identity.sandbox.inviteRequests.filter((email) => emails.has(email))
    expect(asked).toHaveLength(100)
    expect(new Set(asked).size).toBe(100)
  })

  it('a database restart in the middle of traffic: 503s while it is away, then every event finishes and each person gets one invite', async () => {
    const people = crowd('restart', 30)
    const events = people.flatMap((person) => [person.checkout, person.invoice, person.asyncPaid])
    const answers = new Map<string, number>()
    let sent = 0
    let restarted: Promise<void> | undefined

    // Mid-stream, after a third of the events went out: stop the database, let the
    // next ten meet it away, then start it again while the rest keep coming.
    await deliverAll(
      events.map((event, i) => ({ event, instance: instances[i % 2]! })),
      6,
      async (event, status) => {
        answers.set(event.id, status)
        sent++
        if (sent === 30) restarted = database.stop()
        if (sent === 40) {
          await restarted
          await database.start()
        }
      },
    )
    const seen = [...answers.values()]
    expect(seen).toContain(503)
    expect(seen.filter((status) => status >= 500 && status !== 503)).toEqual([])

    // The senders retry what was not accepted (a 503, or a 409 for a claim the restart left held), until it is. A 202
    // (queued for the bridge's own retry) is accepted, and delivered again here too, until the sweep has run it and
    // the answer is the duplicate: every event finishes.
    for (let round = 0; round < 60 && [...answers.values()].some((status) => status !== 200); round++) {
      const open = events.filter((event) => answers.get(event.id) !== 200)
      await deliverAll(open.map((event, i) => ({ event, instance: instances[i % 2]! })), 6, async (event, status) => void answers.set(event.id, status))
      if (open.length) await new Promise((resolve) => setTimeout(resolve, 250))
    }
    expect([...answers.values()].filter((status) => status !== 200)).toEqual([])

    for (const person of people) {
      expect(identity.sandbox.invites.filter((invite) => invite.email === person.email)).toHaveLength(1)
    }
  })

  /** Sends each delivery to its instance, `concurrency` at a time; resolves with the statuses in order. */
  async function deliverAll(
    deliveries: Array<{ event: { id: string }; instance: ChildServer }>,
    concurrency: number,
    onAnswer?: (event: { id: string }, status: number) => Promise<void>,
  ): Promise<number[]> {
    const statuses: number[] = new Array(deliveries.length)
    let next = 0
    const worker = async () => {
      while (next < deliveries.length) {
        const index = next++
        const { event, instance } = deliveries[index]!
        const answer = await fetch(`${instance.url}/webhooks/stripe`, await stripeRequest(event, secret))
        await answer.arrayBuffer()
        statuses[index] = answer.status
        await onAnswer?.(event, answer.status)
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    return statuses
  }
})

/** People with their own address and Stripe customer, and the three Stripe events each one's purchase sends. */
function crowd(tag: string, size: number) {
  return Array.from({ length: size }, (_, i) => {
    const email = `${tag}.person${i}@example.com`
    const customer = `cus_${tag}${String(i).padStart(6, '0')}`
    const details = { email, name: `Person ${i}` }
    return {
      email,
      checkout: stripeEvent('checkout.session.completed', { id: `evt_${tag}_checkout_${i}`, object: { customer, customer_details: details } }),
      invoice: stripeEvent('invoice.paid', { id: `evt_${tag}_invoice_${i}`, object: { customer, customer_email: email } }),
      asyncPaid: stripeEvent('checkout.session.async_payment_succeeded', { id: `evt_${tag}_async_${i}`, object: { customer, customer_details: details } }),
    }
  })
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy
}

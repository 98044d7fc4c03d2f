import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { SENDERS } from '../../src/handlers/senders.ts'
import type { SignedDelivery, Sender } from '../../src/handlers/sender.ts'
import { adminCall, eventOf } from '../helpers/admin-api.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { apiKey } from '../helpers/invites.ts'
import { servePaddleApi } from '../helpers/paddle-api.ts'
import { paddleSampleCustomerId } from '../../src/handlers/paddle/samples.ts'
import { acmeSender } from '../senders/acme/index.ts'

// The built-in senders, and one added from a folder: "every sender" includes the next one.
const senders: readonly Sender[] = [...SENDERS, acmeSender]
const secrets = Object.fromEntries(senders.map((sender) => [sender.secretVariable, randomBytes(20).toString('hex')]))
const key = apiKey()

// Paddle's events name only a customer: its API (a stand-in on loopback) gives the address.
const paddleKey = `pdl_${randomBytes(16).toString('hex')}`
let paddleApi: Awaited<ReturnType<typeof servePaddleApi>>
beforeAll(async () => {
  paddleApi = await servePaddleApi(paddleKey, { customers: { [paddleSampleCustomerId('paddle.person@example.com')]: { email: 'paddle.person@example.com' } } })
})
afterAll(() => paddleApi.close())

let bridge: TestBridge | undefined
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
})

async function start(env: Record<string, string> = {}): Promise<TestBridge> {
  bridge = await startTestBridge({ senders, env: { ...secrets, INVITE_API_KEYS: key, PADDLE_API_KEY: paddleKey, PADDLE_API_URL: paddleApi.url, ...env } })
  return bridge
}

/** A signed delivery of the sender's first event that invites by default and takes an address, as `send` builds it. */
function invitingDelivery(sender: Sender, email: string): SignedDelivery {
  for (const [type, sample] of Object.entries(sender.samples)) {
    if (!sender.catalogue.events.find((event) => event.type === type)?.invitesByDefault) continue
    try {
      return sender.sign(sample({ email }), secrets[sender.secretVariable]!)
    } catch {
      continue // a sample that needs more than an address (a login)
    }
  }
  throw new Error(`${sender.name} has no sample that invites an address by default`)
}

async function deliver(signed: SignedDelivery): Promise<{ status: number } & Record<string, any>> {
  const response = await bridge!.app.request(signed.path, signed.init)
  return { status: response.status, ...((await response.json()) as object) }
}

describe.each(senders.map((sender) => [sender.name, sender] as const))('%s: a delivery met by identity answering 503', (_name, sender) => {
  it('is answered 202 queued; once identity recovers the person is invited exactly once, with no redelivery by anyone', async () => {
    const bridge = await start()
    const email = `${sender.name}.person@example.com`
    bridge.identity.sandbox.faults.set({ kind: 'status', status: 503 })

    const answer = await deliver(invitingDelivery(sender, email))
    expect(answer).toMatchObject({ status: 202, outcome: 'queued', eventId: expect.any(String), retryAt: expect.any(String) })
    expect(bridge.invitesTo(email)).toBe(0)

    bridge.identity.sandbox.faults.clear()
    const askedWhileDown = bridge.inviteRequestsTo(email)
    await bridge.sweepUntil(() => bridge.invitesTo(email) === 1)
    await bridge.sweep()
    expect(bridge.invitesTo(email)).toBe(1)
    expect(bridge.inviteRequestsTo(email) - askedWhileDown).toBe(1)
    expect(await eventOf(bridge.app, key, sender.name, answer.eventId)).toMatchObject({ status: 'done', outcome: 'invited', attempts: 2 })
  })
})

describe('with identity down past the retry window', () => {
  it('the event is dead, listed as dead, and a replay after identity recovers invites once', async () => {
    const bridge = await start({ BRIDGE_RETRY_WINDOW_SECONDS: '2' })
    const email = 'late.member@example.com'
    bridge.identity.sandbox.faults.set({ kind: 'status', status: 503 })
    const { eventId } = await deliver(invitingDelivery(SENDERS.find((sender) => sender.name === 'github')!, email))

    await bridge.sweepUntil(async () => (await eventOf(bridge.app, key, 'github', eventId)).status === 'dead')
    expect(bridge.inviteRequestsTo(email)).toBeGreaterThanOrEqual(2) // the bridge retried by itself before it gave up
    const dead = await adminCall(bridge.app, '/events?status=dead', { token: key })
    expect(dead.body).toMatchObject({ events: [{ source: 'github', eventId, status: 'dead', error: { code: 'identity_failed' } }], next: null })
    expect(await bridge.sweep()).toMatchObject({ swept: 0 }) // dead is not retried

    bridge.identity.sandbox.faults.clear()
    const id = dead.body.events[0].id
    const replayed = await adminCall(bridge.app, `/events/${id}/replay`, { token: key, method: 'POST' })
    expect(replayed).toMatchObject({ status: 202, body: { id, status: 'done', outcome: 'invited' } })
    expect(bridge.invitesTo(email)).toBe(1)
    expect(await eventOf(bridge.app, key, 'github', eventId)).toMatchObject({ status: 'done', replays: 1, error: null })
    expect((await adminCall(bridge.app, '/events?status=dead', { token: key })).body.events).toEqual([])

    // Replaying what is done changes nothing.
    expect(await adminCall(bridge.app, `/events/${encodeURIComponent(`github:${eventId}`)}/replay`, { token: key, method: 'POST' })).toMatchObject({
      status: 200,
      body: { id, status: 'done', outcome: 'duplicate' },
    })
    expect(bridge.invitesTo(email)).toBe(1)
  })
})

describe('a failure no retry can fix', () => {
  it('is answered as before (503 naming the setting), and kept dead for a replay after the fix', async () => {
    const bridge = await start({ IDENTITY_URL: '', IDENTITY_JWT_SECRET: '' })
    const answer = await deliver(invitingDelivery(SENDERS[0]!, 'ann@example.com'))
    expect(answer).toMatchObject({ status: 503, error: { code: 'identity_not_configured' } })
    const dead = await adminCall(bridge.app, '/events?status=dead', { token: key })
    expect(dead.body.events).toEqual([expect.objectContaining({ status: 'dead', error: expect.objectContaining({ code: 'identity_not_configured' }) })])
  })
})

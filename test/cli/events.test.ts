import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Env } from '../../src/core/config/env.ts'
import { listen } from '../../src/local/listen.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { githubInvitationByEmail, stripeEvent } from '../helpers/fixtures.ts'
import { apiKey } from '../helpers/invites.ts'
import { githubRequest } from '../helpers/signing.ts'
import { runCli } from '../helpers/cli.ts'

let bridge: TestBridge
let url: string
let key: string
let stop: () => Promise<void>

beforeEach(async () => {
  key = apiKey()
  // A two-second retry window: an event meeting identity down is dead within a few sweeps.
  bridge = await startTestBridge({ env: { INVITE_API_KEYS: key, BRIDGE_RETRY_WINDOW_SECONDS: '2' } })
  const listening = await listen(bridge.app.fetch, { hostname: '127.0.0.1', port: 0 })
  url = `http://127.0.0.1:${listening.port}`
  stop = listening.close
})
afterEach(async () => {
  await stop()
  await bridge.close()
})

const run = (argv: string[], env: Env = { INVITE_API_KEY: key }) => runCli([...argv, '--url', url], env)

/** A GitHub invitation delivered while identity is down, left to die; its delivery id. */
async function deadInvitation(email: string): Promise<string> {
  bridge.identity.sandbox.faults.set({ kind: 'status', status: 503 })
  const deliveryId = randomUUID()
  const response = await bridge.app.request('/webhooks/github', await githubRequest('organization', githubInvitationByEmail(email), bridge.secrets.github, { deliveryId }))
  expect(response.status).toBe(202)
  await bridge.sweepUntil(async () => (await bridge.store.list<{ eventId: string }>('dead/')).records.some((record) => record.value.eventId === deliveryId))
  return deliveryId
}

describe('invite-bridge events', () => {
  it('lists dead events, with the address masked, and shows one by the sender\'s id', async () => {
    const deliveryId = await deadInvitation('late@example.com')
    await bridge.deliverStripe(stripeEvent('invoice.paid')) // done, not listed as dead
    const dead = await run(['events', 'list', '--status', 'dead'])
    expect(dead).toMatchObject({ status: 0, err: ['1 event'] })
    expect(dead.out).toEqual([expect.stringMatching(new RegExp(`dead +- +github:${deliveryId} +organization\\.member_invited +l\\*\\*\\*@example\\.com .*identity_failed`))])
    expect(dead.out.join('\n')).not.toContain('late@example.com')

    const shown = await run(['events', 'show', `github:${deliveryId}`, '--json'])
    expect(JSON.parse(shown.out.join('\n'))).toMatchObject({ source: 'github', eventId: deliveryId, status: 'dead', email: 'l***@example.com' })
    expect((await run(['events', 'list', '--source', 'stripe', '--since', '1h'])).out).toEqual([expect.stringContaining('stripe:')])
  })

  it('says what the bridge answered when it refuses, and needs credentials', async () => {
    expect(await run(['events', 'list'], { INVITE_API_KEY: apiKey() })).toMatchObject({ status: 1, err: [expect.stringContaining('401')] })
    expect(await run(['events', 'list'], {})).toMatchObject({ status: 2, err: [expect.stringContaining('no credentials')] })
    expect(await run(['events', 'show', 'stripe:evt_never'])).toMatchObject({ status: 1, err: [expect.stringContaining('404')] })
    expect((await run(['events', 'list', '--status', 'lost'])).status).toBe(2)
  })
})

describe('invite-bridge replay', () => {
  it('replays a dead event once identity is back: invited once; a second replay changes nothing', async () => {
    const deliveryId = await deadInvitation('late@example.com')
    bridge.identity.sandbox.faults.clear()
    const replayed = await run(['replay', `github:${deliveryId}`])
    expect(replayed).toMatchObject({ status: 0, out: [expect.stringMatching(/^done +invited +\d{13}-github-[0-9a-f]{12}$/)] })
    expect(await run(['replay', `github:${deliveryId}`])).toMatchObject({ status: 0, out: [expect.stringMatching(/^done +duplicate /)] })
    expect(bridge.invitesTo('late@example.com')).toBe(1)
  })

  it('--all-dead replays every dead event, and exits 1 while identity is still down', async () => {
    await deadInvitation('first@example.com')
    await deadInvitation('second@example.com')
    const still = await run(['replay', '--all-dead'])
    expect(still.status).toBe(1)
    expect(still.out).toEqual([expect.stringMatching(/^pending +queued /), expect.stringMatching(/^pending +queued /)])

    bridge.identity.sandbox.faults.clear()
    await bridge.sweepUntil(() => bridge.invitesTo('first@example.com') + bridge.invitesTo('second@example.com') === 2)
    expect(await run(['replay', '--all-dead'])).toMatchObject({ status: 0, out: [], err: ['no dead events: nothing to replay'] })
  })
})

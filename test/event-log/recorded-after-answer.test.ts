import { afterEach, describe, expect, it } from 'vitest'
import type { Deferred } from '../../src/core/event-log/event-log.ts'
import type { ClaimRecord } from '../../src/core/exactly-once/claims.ts'
import { eventKey } from '../../src/core/pipeline/process.ts'
import { adminCall } from '../helpers/admin-api.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { newStripePurchase } from '../helpers/fixtures.ts'
import { apiKey } from '../helpers/invites.ts'

/** npm start's deferral, held until a reader asks: what it holds is exactly what the answer did not wait for. */
function heldUntilRead(): Deferred & { held: () => number } {
  const held: Array<() => Promise<void>> = []
  return {
    run: (work) => void held.push(work),
    async settled() {
      while (held.length) await held.shift()!()
    },
    held: () => held.length,
  }
}

let bridge: TestBridge | undefined
afterEach(async () => {
  await bridge?.close()
  bridge = undefined
})

describe('a long-lived server records the event log after the answer (npm start)', () => {
  it('the answer waits for the claims but not for the history, and the admin API never reads behind what was answered', async () => {
    const key = apiKey()
    const deferred = heldUntilRead()
    bridge = await startTestBridge({ env: { INVITE_API_KEYS: key }, deps: async () => ({ deferred }) })
    const { id, event } = newStripePurchase()

    expect(await bridge.deliverStripe(event)).toMatchObject({ status: 200, outcome: 'invited' })
    // Exactly-once state is written before the answer; the log entry is not.
    expect((await bridge.store.get<ClaimRecord>(eventKey({ source: 'stripe', eventId: id })))?.value.state).toBe('done')
    expect((await bridge.store.list('log/')).records).toEqual([])
    expect(deferred.held()).toBe(1)

    const listed = await adminCall(bridge.app, '/events', { token: key })
    expect(listed.body.events).toEqual([expect.objectContaining({ eventId: id, status: 'done', outcome: 'invited' })])
    expect(deferred.held()).toBe(0)
  })

  it('a redelivery is answered duplicate before its attempt is counted; the count is there when read', async () => {
    const key = apiKey()
    const deferred = heldUntilRead()
    bridge = await startTestBridge({ env: { INVITE_API_KEYS: key }, deps: async () => ({ deferred }) })
    const { id, event } = newStripePurchase()

    await bridge.deliverStripe(event)
    expect(await bridge.deliverStripe(event)).toMatchObject({ status: 200, outcome: 'duplicate' })
    // Both answered, neither recorded yet.
    expect(deferred.held()).toBe(2)

    const entry = await adminCall(bridge.app, `/events/${encodeURIComponent(`stripe:${id}`)}`, { token: key })
    expect(entry.body).toMatchObject({ attempts: 2, outcome: 'invited' })
  })
})

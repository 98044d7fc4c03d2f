import { afterEach, describe, expect, it } from 'vitest'
import { createNetlifySweeper } from '../../src/netlify-sweep.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { stripeEvent } from '../helpers/fixtures.ts'

let bridge: TestBridge
afterEach(async () => {
  await bridge.close()
})

/** The scheduled function, reaching the bridge's function through "the site" (here the app itself) and sharing its store. */
function scheduled(site: string | undefined, requests: string[] = []) {
  return createNetlifySweeper({
    store: () => bridge.store,
    env: {},
    fetch: async (input, init) => {
      requests.push(String(input))
      return bridge.app.request(String(input).replace(site ?? '', ''), init)
    },
  })
}

describe('the scheduled sweep (netlify/functions/invite-bridge-sweep.ts)', () => {
  it("asks the bridge at the site's URL to sweep, with the site's own secret, and the queued event is done", async () => {
    bridge = await startTestBridge()
    bridge.identity.sandbox.faults.set({ kind: 'status', status: 503, times: 1 })
    expect(await bridge.deliverStripe(stripeEvent('invoice.paid'))).toMatchObject({ status: 202 })
    const requests: string[] = []
    const run = scheduled('https://example.netlify.app', requests)
    const deadline = Date.now() + 10_000
    while (bridge.invitesTo('ann.buyer@example.com') === 0 && Date.now() < deadline) {
      const answer = await run(new Request('https://example.netlify.app/.netlify/functions/invite-bridge-sweep', { method: 'POST' }), {
        site: { id: 'site', name: 'example', url: 'https://example.netlify.app' },
      })
      expect(answer.status).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(bridge.invitesTo('ann.buyer@example.com')).toBe(1)
    expect(new Set(requests)).toEqual(new Set(['https://example.netlify.app/invite-bridge/api/sweep']))
  })

  it('says so and sweeps nothing without a site URL', async () => {
    bridge = await startTestBridge()
    const requests: string[] = []
    const answer = await scheduled(undefined, requests)(new Request('http://localhost/'), undefined)
    expect(answer.status).toBe(500)
    expect(requests).toEqual([])
  })
})

describe('when the store is down', () => {
  it('nothing can be recorded, so the answer stays 503 and the sender retries', async () => {
    bridge = await startTestBridge()
    await bridge.store.close?.()
    expect(await bridge.deliverStripe(stripeEvent('invoice.paid'))).toMatchObject({ status: 503, error: { code: 'store_unavailable' } })
  })
})

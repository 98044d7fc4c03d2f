import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { eventKey } from '../../src/core/pipeline/process.ts'
import { stripeEvent } from '../helpers/fixtures.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'

let bridge: TestBridge
beforeEach(async () => {
  bridge = await startTestBridge()
})
afterEach(async () => {
  await bridge.close()
})

describe('exactly one invite per person', () => {
  it('turns 12 simultaneous deliveries of one event into one invite', async () => {
    const event = stripeEvent('checkout.session.completed')
    const results = await Promise.all(Array.from({ length: 12 }, () => bridge.deliverStripe(event)))

    expect(bridge.invitesTo('ann.buyer@example.com')).toBe(1)
    expect(bridge.inviteRequestsTo('ann.buyer@example.com')).toBe(1) // identity was asked once: the bridge's claims held
    expect(results.filter((result) => result.outcome === 'invited')).toHaveLength(1)
    // The rest either saw it finished (200 duplicate) or still running (409, retry later).
    for (const result of results.filter((result) => result.outcome !== 'invited')) {
      expect([200, 409]).toContain(result.status)
      expect(['duplicate', 'in_progress']).toContain(result.outcome)
    }
    expect(results.filter((r) => r.status === 409).every((r) => Number(r.retryAfter) >= 1)).toBe(true)
  })

  it('answers a later redelivery with 200 duplicate', async () => {
    const event = stripeEvent('checkout.session.completed')
    expect((await bridge.deliverStripe(event)).outcome).toBe('invited')
    expect(await bridge.deliverStripe(event)).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(bridge.invitesTo('ann.buyer@example.com')).toBe(1)
    expect(bridge.inviteRequestsTo('ann.buyer@example.com')).toBe(1) // identity was asked once: the bridge's claims held
  })

  it('invites once for a checkout and its first invoice, whatever the case of the address', async () => {
    expect((await bridge.deliverStripe(stripeEvent('checkout.session.completed'))).outcome).toBe('invited')
    const invoice = stripeEvent('invoice.paid', { object: { customer_email: 'ANN.BUYER@example.com' } })
    expect(await bridge.deliverStripe(invoice)).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(bridge.idp.invites).toHaveLength(1)
    expect(bridge.inviteRequestsTo('ann.buyer@example.com')).toBe(1) // identity was asked once: the bridge's claims held
  })

  it('invites once when two events spell one international domain differently (Unicode and punycode)', async () => {
    const unicode = stripeEvent('invoice.paid', { id: 'evt_1UnicodeDomain', object: { customer_email: 'ann@b\u00fccher.example' } })
    const punycode = stripeEvent('invoice.paid', { id: 'evt_1PunycodeDomain', object: { customer_email: 'ann@xn--bcher-kva.example' } })
    expect((await bridge.deliverStripe(unicode)).outcome).toBe('invited')
    expect(await bridge.deliverStripe(punycode)).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(bridge.idp.inviteRequests).toEqual(['ann@xn--bcher-kva.example']) // one POST /invite, in the form DNS knows
  })

  it('invites once when the checkout and the invoice arrive at the same moment, once both are retried to success', async () => {
    const checkout = stripeEvent('checkout.session.completed')
    const invoice = stripeEvent('invoice.paid')
    const storm = [checkout, invoice, checkout, invoice, checkout, invoice]
    const results = await Promise.all(storm.map((event) => bridge.deliverStripeUntilAccepted(event)))

    expect(results.every((result) => result.status === 200)).toBe(true)
    expect(results.filter((result) => result.outcome === 'invited')).toHaveLength(1)
    expect(bridge.idp.invites).toHaveLength(1)
    expect(bridge.inviteRequestsTo('ann.buyer@example.com')).toBe(1) // identity was asked once: the bridge's claims held
  })

  it('takes over an attempt that crashed once its lease has run out', async () => {
    const event = stripeEvent('invoice.paid')
    // What a process killed mid-delivery leaves behind: a pending claim whose lease expired.
    await bridge.store.create(eventKey({ source: 'stripe', eventId: event.id }), { state: 'pending', leaseUntil: Date.now() - 1 })
    expect(await bridge.deliverStripe(event)).toMatchObject({ status: 200, outcome: 'invited' })
    expect(bridge.invitesTo('ann.buyer@example.com')).toBe(1)
    expect(bridge.inviteRequestsTo('ann.buyer@example.com')).toBe(1) // identity was asked once: the bridge's claims held
  })

  it('answers 409 while another attempt still holds a live lease', async () => {
    const event = stripeEvent('invoice.paid')
    await bridge.store.create(eventKey({ source: 'stripe', eventId: event.id }), { state: 'pending', leaseUntil: Date.now() + 30_000 })
    const result = await bridge.deliverStripe(event)
    expect(result).toMatchObject({ status: 409, outcome: 'in_progress' })
    expect(Number(result.retryAfter)).toBeGreaterThanOrEqual(29)
    expect(bridge.idp.invites).toHaveLength(0)
  })

  it('keeps no plaintext address anywhere in the store, only a keyed hash', async () => {
    await bridge.deliverStripe(stripeEvent('checkout.session.completed'))
    const { readdir, readFile } = await import('node:fs/promises')
    const files = await readdir(bridge.dataDir)
    const bytes = (await Promise.all(files.map((file) => readFile(`${bridge.dataDir}/${file}`)))).map((b) => b.toString('latin1')).join('')
    expect(bytes).toMatch(/person\/[0-9a-f]{64}/)
    expect(bytes.toLowerCase()).not.toContain('ann.buyer')
  })
})

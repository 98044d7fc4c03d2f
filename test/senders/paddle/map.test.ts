import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createPaddleApi } from '../../../src/handlers/paddle/api.ts'
import { paddleSender } from '../../../src/handlers/paddle/index.ts'
import { mapPaddleEvent } from '../../../src/handlers/paddle/map.ts'
import type { PaddleEventLike } from '../../../src/handlers/paddle/verify.ts'
import { servePaddleApi } from '../../helpers/paddle-api.ts'

const sample = (event: string) => paddleSender.samples[event]!({ email: 'ann@example.com' }).payload as PaddleEventLike

describe('mapPaddleEvent', () => {
  it('a completed transaction names its customer (also the subject), its prices and products, and when it happened', () => {
    const event = sample('transaction.completed')
    const delivery = mapPaddleEvent(event, { sandbox: false })
    const customer = (event.data as { customer_id: string }).customer_id
    expect(delivery).toMatchObject({
      source: 'paddle',
      eventId: event.event_id,
      eventType: 'transaction.completed',
      occurredAt: Date.parse(event.occurred_at!),
      recipient: { kind: 'account', account: customer },
      subject: customer,
      facts: { paddle: { items: [{ price: 'pri_01gsz8x8sawmvhz1pv30nge1ke', product: 'pro_01gsz4t5hdjse780zja8vvr7jg' }], sandbox: false } },
    })
    expect(delivery.skip).toBeUndefined()
  })

  it('an adjustment counts only as an approved refund, and points at its transaction for the items', () => {
    const approved = mapPaddleEvent(sample('adjustment.updated'), { sandbox: true })
    expect(approved).toMatchObject({ itemsFrom: 'txn_01h8bxpvx398a7zbawb77y0kp5', facts: { paddle: { items: null, sandbox: true } } })
    expect(approved.skip).toBeUndefined()
    for (const [action, status] of [['credit', 'approved'], ['refund', 'pending_approval'], ['refund', 'rejected'], ['chargeback', 'approved']]) {
      const event = sample('adjustment.updated')
      Object.assign(event.data, { action, status })
      expect(mapPaddleEvent(event, { sandbox: false }).skip).toBe(`adjustment is not an approved refund (action: ${action}, status: ${status})`)
    }
  })

  it('a partial refund takes nothing away: marked so on the adjustment, or, without that field, on any of its items', () => {
    const marked = sample('adjustment.updated')
    marked.data.type = 'partial'
    expect(mapPaddleEvent(marked, { sandbox: false }).skip).toBe('a partial refund: only a full refund counts')
    const byItems = sample('adjustment.updated')
    delete byItems.data.type
    const [item] = byItems.data.items as Array<{ type: string }>
    item!.type = 'partial'
    expect(mapPaddleEvent(byItems, { sandbox: false }).skip).toBe('a partial refund: only a full refund counts')
    item!.type = 'full'
    expect(mapPaddleEvent(byItems, { sandbox: false }).skip).toBeUndefined()
  })

  it("the event id is the signed body's, so a replayed notification of one event is the same event", () => {
    expect(mapPaddleEvent(sample('adjustment.updated'), { sandbox: false }).idSigned).toBe(true)
  })

  it('events it does not handle are skipped', () => {
    const event = { ...sample('transaction.completed'), event_type: 'transaction.paid' }
    expect(mapPaddleEvent(event, { sandbox: false })).toMatchObject({ skip: 'event type transaction.paid does not invite anyone', recipient: null })
  })
})

describe('Paddle settings', () => {
  it('PADDLE_SANDBOX marks deliveries as sandbox and points the API at sandbox-api.paddle.com; the default is live', () => {
    const key = randomBytes(8).toString('hex')
    expect(paddleSender.readSettings({ PADDLE_API_KEY: key })).toMatchObject({ sandbox: false, toleranceSeconds: 300, api: { apiUrl: 'https://api.paddle.com' } })
    expect(paddleSender.readSettings({ PADDLE_API_KEY: key, PADDLE_SANDBOX: '1', PADDLE_TOLERANCE_SECONDS: '30' })).toMatchObject({
      sandbox: true,
      toleranceSeconds: 30,
      api: { apiUrl: 'https://sandbox-api.paddle.com' },
    })
    expect(paddleSender.readSettings({}).api).toBeNull()
  })
})

describe('the Paddle API reads', () => {
  it('a customer it does not know is null; a key it refuses is a 503 naming PADDLE_API_KEY', async () => {
    const key = randomBytes(8).toString('hex')
    const api = await servePaddleApi(key, { customers: { ctm_ann: { email: 'ann@example.com', name: 'Ann' } } })
    try {
      const reads = createPaddleApi({ apiKey: key, apiUrl: api.url, timeoutMs: 2000 })
      expect(await reads.customer('ctm_ann')).toEqual({ email: 'ann@example.com', name: 'Ann' })
      expect(await reads.customer('ctm_nobody')).toBeNull()
      const refused = createPaddleApi({ apiKey: 'wrong', apiUrl: api.url, timeoutMs: 2000 })
      await expect(refused.customer('ctm_ann')).rejects.toMatchObject({ status: 503, code: 'paddle_auth_failed', message: expect.stringContaining('PADDLE_API_KEY') })
    } finally {
      await api.close()
    }
  })
})

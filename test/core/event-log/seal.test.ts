import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { openDelivery, sealDelivery } from '../../../src/core/event-log/seal.ts'
import type { Delivery } from '../../../src/core/domain/delivery.ts'

const delivery: Delivery = {
  source: 'stripe',
  eventId: 'evt_1',
  eventType: 'checkout.session.completed',
  recipient: { kind: 'email', email: 'ann.buyer@example.com' },
  data: { full_name: 'Ann Buyer' },
  facts: { source: 'stripe', event: 'checkout.session.completed', stripe: { prices: ['price_pro'] } },
}
const secret = randomBytes(32).toString('base64url')
const id = '1795672244607-stripe-0123456789ab'

describe('sealDelivery / openDelivery', () => {
  it('opens to the same delivery, and the sealed text holds neither the address nor the name', () => {
    const sealed = sealDelivery(delivery, secret, id)
    expect(sealed).not.toContain('ann.buyer')
    expect(Buffer.from(sealed.split('.')[3]!, 'base64url').toString('latin1')).not.toContain('Ann Buyer')
    expect(openDelivery(sealed, secret, id)).toEqual(delivery)
  })

  it('seals the same delivery differently each time (a fresh IV)', () => {
    expect(sealDelivery(delivery, secret, id)).not.toBe(sealDelivery(delivery, secret, id))
  })

  it('does not open with another key, for another event, or once altered', () => {
    const sealed = sealDelivery(delivery, secret, id)
    expect(() => openDelivery(sealed, randomBytes(32).toString('base64url'), id)).toThrow(/BRIDGE_ENCRYPTION_KEY/)
    expect(() => openDelivery(sealed, secret, '1795672244607-stripe-ba9876543210')).toThrow()
    const parts = sealed.split('.')
    const text = Buffer.from(parts[3]!, 'base64url')
    text[0]! ^= 1
    expect(() => openDelivery([...parts.slice(0, 3), text.toString('base64url')].join('.'), secret, id)).toThrow()
    expect(() => openDelivery('v0.a.b.c', secret, id)).toThrow(/not sealed in a form/)
  })
})

import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { BadRequestError, SignatureError } from '../../src/core/domain/errors.ts'
import { lemonSqueezyEventId } from '../../src/handlers/lemonsqueezy/event-id.ts'
import { lemonSqueezySender } from '../../src/handlers/lemonsqueezy/index.ts'
import { mapLemonSqueezyEvent } from '../../src/handlers/lemonsqueezy/map.ts'
import { verifyLemonSqueezyEvent } from '../../src/handlers/lemonsqueezy/verify.ts'
import { sampleAccountNumber } from '../../src/handlers/sample-ids.ts'

const secret = () => randomBytes(16).toString('hex')
const sample = (event: string) => lemonSqueezySender.samples[event]!({ email: 'darlene@example.com', name: 'Darlene D' })

function verify(init: { headers: Record<string, string>; body: string }, secrets: string[]) {
  return verifyLemonSqueezyEvent({ rawBody: init.body, headers: new Headers(init.headers), now: Date.now() }, secrets)
}

/** Lemon Squeezy's documented check, written independently with WebCrypto: hex HMAC-SHA256 of the raw body. */
async function webCryptoHex(body: string, key: string): Promise<string> {
  const imported = await crypto.subtle.importKey('raw', new TextEncoder().encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return Buffer.from(await crypto.subtle.sign('HMAC', imported, new TextEncoder().encode(body))).toString('hex')
}

describe('Lemon Squeezy signatures', () => {
  it('X-Signature is the hex HMAC-SHA256 of the body, with the event name in X-Event-Name', async () => {
    const key = secret()
    const { init, path } = lemonSqueezySender.sign(sample('order_created'), key)
    expect(path).toBe('/webhooks/lemonsqueezy')
    expect(init.headers['x-signature']).toBe(await webCryptoHex(init.body, key))
    expect(init.headers['x-event-name']).toBe('order_created')
    expect(verify(init, [key]).eventName).toBe('order_created')
  })

  it('accepts either secret during a rotation; refuses another secret, a changed body, a bad header', () => {
    const [old, next] = [secret(), secret()]
    const { init } = lemonSqueezySender.sign(sample('order_created'), old)
    expect(verify(init, [next, old]).eventName).toBe('order_created')
    expect(() => verify(init, [next])).toThrow(SignatureError)
    expect(() => verify({ ...init, body: init.body.replace('darlene@', 'eve@') }, [old])).toThrow(SignatureError)
    expect(() => verify({ ...init, headers: { ...init.headers, 'x-signature': 'not-hex' } }, [old])).toThrow(SignatureError)
    expect(() => verify({ ...init, headers: { 'content-type': 'application/json' } }, [old])).toThrow(BadRequestError)
  })

  it('refuses an X-Event-Name that is not the signed meta.event_name', () => {
    const key = secret()
    const { init } = lemonSqueezySender.sign(sample('order_refunded'), key)
    expect(() => verify({ ...init, headers: { ...init.headers, 'x-event-name': 'order_created' } }, [key])).toThrow(/not the signed meta.event_name/)
  })
})

describe('lemonSqueezyEventId: stable across retries, distinct across events', () => {
  const body = (payload: unknown) => JSON.stringify(payload)

  it('order_created: the event and the order, whatever the order looks like by the time it is resent', () => {
    const { payload } = sample('order_created')
    const first = lemonSqueezyEventId('order_created', payload.data, body(payload))
    expect(first).toBe(`order_created:orders:${payload.data.id}`)
    payload.data.attributes.updated_at = '2027-01-01T00:00:00.000000Z'
    expect(lemonSqueezyEventId('order_created', payload.data, body(payload))).toBe(first)
  })

  it('events that recur for one object: each change (updated_at) is a new event, its retry is not', () => {
    const { payload } = sample('subscription_expired')
    const first = lemonSqueezyEventId('subscription_updated', payload.data, body(payload))
    expect(lemonSqueezyEventId('subscription_updated', structuredClone(payload.data), body(payload))).toBe(first)
    payload.data.attributes.updated_at = '2027-01-01T00:00:00.000000Z'
    expect(lemonSqueezyEventId('subscription_updated', payload.data, body(payload))).not.toBe(first)
  })

  it('a body without an object id: a digest of the signed body', () => {
    const raw = body({ meta: { event_name: 'order_refunded' }, data: {} })
    expect(lemonSqueezyEventId('order_refunded', {}, raw)).toMatch(/^order_refunded:sha256:[0-9a-f]{64}$/)
    expect(lemonSqueezyEventId('order_refunded', {}, raw)).toBe(lemonSqueezyEventId('order_refunded', {}, raw))
    expect(lemonSqueezyEventId('order_refunded', {}, `${raw} `)).not.toBe(lemonSqueezyEventId('order_refunded', {}, raw))
  })
})

describe('mapLemonSqueezyEvent', () => {
  const map = (event: string, change?: (attributes: any, meta: any) => void) => {
    const { payload } = sample(event)
    change?.(payload.data.attributes, payload.meta)
    return mapLemonSqueezyEvent('id-1', { eventName: event, meta: payload.meta, data: payload.data })
  }

  it('a paid order: the buyer, their customer id as the subject, the first item’s product and variant, test mode', () => {
    expect(map('order_created')).toMatchObject({
      source: 'lemonsqueezy',
      eventId: 'id-1',
      eventType: 'order_created',
      recipient: { kind: 'email', email: 'darlene@example.com' },
      // `send` gives each address its own customer, as a shop keeps one per buyer.
      subject: String(sampleAccountNumber('darlene@example.com')),
      data: { full_name: 'Darlene D' },
      facts: { source: 'lemonsqueezy', event: 'order_created', lemonsqueezy: { products: ['98765'], variants: ['123456'], testMode: true } },
    })
    expect(map('order_created').skip).toBeUndefined()
  })

  it('a subscription names its own product and variant; live mode is testMode false', () => {
    expect(map('subscription_expired', (_, meta) => (meta.test_mode = false)).facts.lemonsqueezy).toEqual({
      products: ['98766'],
      variants: ['123457'],
      testMode: false,
    })
  })

  it('skips an order that is not paid, and a refund that is not in full', () => {
    expect(map('order_created', (attributes) => (attributes.status = 'pending')).skip).toBe('the order is not paid (status: pending)')
    expect(map('order_refunded').skip).toBeUndefined()
    expect(map('order_refunded', (attributes) => (attributes.status = 'partial_refund')).skip).toBe(
      'the order was not refunded in full (status: partial_refund)',
    )
  })

  it('skips events that act on no one', () => {
    expect(mapLemonSqueezyEvent('id-2', { eventName: 'license_key_created', meta: {}, data: {} })).toMatchObject({
      skip: 'event license_key_created does not invite anyone',
      recipient: null,
    })
  })
})

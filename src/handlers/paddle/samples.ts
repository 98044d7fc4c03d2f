import { createHash, randomBytes } from 'node:crypto'
import type { SampleOptions, SamplePayload } from '../sender.ts'
import { readSample } from '../sample-ids.ts'

/** A notification from ./samples (Paddle's SDK fixtures, see samples/SOURCES.md), fresh each call. */
const sample = (event: string) => readSample(new URL('./samples/', import.meta.url), event)

// Paddle ids are a prefix and 26 lowercase Crockford base32 characters (a ULID).
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz'
function paddleId(prefix: string, bytes: Buffer): string {
  return `${prefix}_${Array.from(bytes.subarray(0, 26), (byte) => CROCKFORD[byte % 32]).join('')}`
}

/**
 * The customer id `send` names for an address. Paddle's events carry no
 * address, only a customer id that the bridge reads from PADDLE_API_URL; the
 * same address always gives the same id, so an API stand-in that holds this
 * customer lets a sent event be followed end to end.
 */
export function paddleSampleCustomerId(email: string): string {
  return paddleId('ctm', createHash('sha256').update(email.trim().toLowerCase()).digest())
}

/** A fresh event id and time each call, so separate sends are separate events (retries keep both). */
function fresh(event: string): Record<string, any> {
  const payload = sample(event)
  payload.event_id = paddleId('evt', randomBytes(26))
  payload.notification_id = paddleId('ntf', randomBytes(26))
  payload.occurred_at = new Date().toISOString()
  return payload
}

function aboutCustomer(event: string) {
  return (options: SampleOptions): SamplePayload => {
    if (options.email === undefined) {
      throw new Error(
        '--email is required: Paddle sends only a customer id, so the sample names the customer for this address; the bridge reads the address from the Paddle API (PADDLE_API_KEY and PADDLE_API_URL, or an API stand-in holding that customer)',
      )
    }
    const payload = fresh(event)
    payload.data.customer_id = paddleSampleCustomerId(options.email)
    return { eventName: event, payload }
  }
}

export const paddleSamples: Record<string, (options: SampleOptions) => SamplePayload> = {
  'transaction.completed': aboutCustomer('transaction.completed'),
  'subscription.canceled': aboutCustomer('subscription.canceled'),
  // Paddle's fixture refunds part of the price, which takes nothing away: `send` sends the full refund a revoke rule acts on.
  'adjustment.updated': (options) => {
    const built = aboutCustomer('adjustment.updated')(options)
    built.payload.data.type = 'full'
    for (const item of built.payload.data.items) item.type = 'full'
    return built
  },
}

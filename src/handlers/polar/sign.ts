import { randomUUID } from 'node:crypto'
import { signStandardWebhook } from '../schemes/standard-webhooks.ts'
import { jsonPost, type SamplePayload, type SignedDelivery } from '../sender.ts'
import { polarKeys } from './verify.ts'

/**
 * Headers as Polar sends them: Standard Webhooks, keyed with the secret's
 * UTF-8 bytes (Polar's original signature, which every Polar verifier
 * accepts). `deliveryId` is the `webhook-id`, the same on Polar's retries.
 */
export function signPolar(sample: SamplePayload, secret: string, options: { now?: number; deliveryId?: string } = {}): SignedDelivery {
  const body = JSON.stringify(sample.payload)
  const id = options.deliveryId ?? randomUUID()
  const timestamp = Math.floor((options.now ?? Date.now()) / 1000)
  return jsonPost('/webhooks/polar', body, {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signStandardWebhook({ id, timestamp, body, key: polarKeys(secret)[0]! }),
    'user-agent': 'polar.sh webhooks',
  })
}

import { jsonPost, type SamplePayload, type SignedDelivery } from '../sender.ts'
import { paddleSignature } from './signature.ts'

/** `Paddle-Signature` as Paddle sends it; with several secrets, one h1 each, as during a rotation. */
export function paddleSignatureHeader(body: string, secrets: string | readonly string[], nowMs = Date.now()): string {
  const ts = Math.floor(nowMs / 1000)
  const keys = typeof secrets === 'string' ? [secrets] : secrets
  return [`ts=${ts}`, ...keys.map((secret) => `h1=${paddleSignature(body, secret, ts)}`)].join(';')
}

/** Paddle names the event in the body (`event_type`); the header carries only the signature. */
export function signPaddle(sample: SamplePayload, secret: string, options: { now?: number } = {}): SignedDelivery {
  const body = JSON.stringify(sample.payload)
  return jsonPost('/webhooks/paddle', body, {
    'paddle-signature': paddleSignatureHeader(body, secret, options.now),
    'user-agent': 'Paddle',
  })
}

import { createHmac, randomUUID } from 'node:crypto'
import { jsonPost, type SamplePayload, type SignedDelivery } from '../sender.ts'

/** `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`, as GitHub signs. */
function githubSignatureHeader(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`
}

/** Headers as GitHub sends them; the delivery id is what stays the same on redelivery. */
export function signGitHub(sample: SamplePayload, secret: string, options: { deliveryId?: string } = {}): SignedDelivery {
  const body = JSON.stringify(sample.payload)
  return jsonPost('/webhooks/github', body, {
    'x-github-event': sample.eventName,
    'x-github-delivery': options.deliveryId ?? randomUUID(),
    'x-hub-signature-256': githubSignatureHeader(body, secret),
    'user-agent': 'GitHub-Hookshot/invite-bridge',
  })
}

import { randomUUID } from 'node:crypto'
import { signHmacSha256 } from '../schemes/hmac-sha256.ts'
import { jsonPost, type SamplePayload, type SignedDelivery } from '../sender.ts'

/** `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`, as GitHub signs. */
const GITHUB_SCHEME = { signatureHeader: 'x-hub-signature-256', encoding: 'hex', prefix: 'sha256=' } as const

/** Headers as GitHub sends them; the delivery id is what stays the same on redelivery. */
export function signGitHub(sample: SamplePayload, secret: string, options: { deliveryId?: string } = {}): SignedDelivery {
  const body = JSON.stringify(sample.payload)
  return jsonPost('/webhooks/github', body, {
    'x-github-event': sample.eventName,
    'x-github-delivery': options.deliveryId ?? randomUUID(),
    'x-hub-signature-256': signHmacSha256({ rawBody: body, secret, scheme: GITHUB_SCHEME }),
    'user-agent': 'GitHub-Hookshot/invite-bridge',
  })
}

import { randomUUID } from 'node:crypto'
import { signHmacSha256 } from '../schemes/hmac-sha256.ts'
import { signStandardWebhook, standardWebhookKey } from '../schemes/standard-webhooks.ts'
import { jsonPost, type SamplePayload, type SignedDelivery } from '../sender.ts'
import type { SourceDefinition } from './schema.ts'
import { hmacSchemeOf } from './verify.ts'

/** Signs a body as the definition says the sender does; `deliveryId` is the id header's value (the same on a retry). */
export function signDefined(
  definition: SourceDefinition,
  sample: SamplePayload,
  secret: string,
  options: { now?: number; deliveryId?: string } = {},
): SignedDelivery {
  const body = JSON.stringify(sample.payload)
  const timestamp = Math.floor((options.now ?? Date.now()) / 1000)
  const id = options.deliveryId ?? randomUUID()
  const headers: Record<string, string> = {}
  if (definition.scheme === 'standard-webhooks') {
    const key = standardWebhookKey(secret)[0]
    if (!key) throw new Error(`${definition.secretEnv} is not a Standard Webhooks secret (whsec_ and base64)`)
    Object.assign(headers, { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signStandardWebhook({ id, timestamp, body, key }) })
  } else {
    const scheme = hmacSchemeOf(definition)
    headers[definition.signatureHeader] = signHmacSha256({ rawBody: body, secret, scheme, timestamp })
    if (scheme.timestamp) headers[scheme.timestamp.header] = String(timestamp)
    if (definition.idHeader) headers[definition.idHeader] = id
  }
  return jsonPost(`/webhooks/${definition.name}`, body, headers)
}

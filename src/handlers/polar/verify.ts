import { BadRequestError } from '../../core/domain/errors.ts'
import { verifyStandardWebhook, type KeyFrom } from '../schemes/standard-webhooks.ts'
import type { SignedRequest } from '../sender.ts'
import type { PolarPayload } from './map.ts'
import { parseSignedJson } from '../schemes/signed-json.ts'

const PREFIX = 'whsec_'

/** `atob`'s reading, the SDK's own: a value that is not base64 gives no key. */
function base64Bytes(value: string): Buffer {
  try {
    return Buffer.from(atob(value), 'latin1')
  } catch {
    return Buffer.alloc(0)
  }
}

/**
 * The keys a Polar secret stands for, as `@polar-sh/sdk`'s `validateEvent`
 * tries them: Polar's original HMAC key, the UTF-8 bytes of the whole secret
 * as the dashboard shows it (`whsec_` included), and the Standard Webhooks
 * key, the base64 after `whsec_`. Which one an endpoint is signed with is its
 * `uses_standard_webhook_signature` setting; accepting both keeps working
 * when that setting is changed.
 */
export const polarKeys: KeyFrom = (secret) => {
  const utf8 = Buffer.from(secret, 'utf8')
  const rest = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret
  const decoded = base64Bytes(rest)
  return decoded.length && !decoded.equals(utf8) ? [utf8, decoded] : [utf8]
}

export interface PolarVerifySettings {
  secrets: string[]
  toleranceSeconds: number
}

/** Verifies the Standard Webhooks signature against every secret, then parses the body; the `webhook-id` is the event's id. */
export function verifyPolarEvent(request: SignedRequest, settings: PolarVerifySettings): { webhookId: string; payload: PolarPayload } {
  const { id } = verifyStandardWebhook({
    ...request,
    secrets: settings.secrets,
    toleranceSeconds: settings.toleranceSeconds,
    keyFrom: polarKeys,
    secretVariable: 'POLAR_WEBHOOK_SECRET',
  })
  const payload = parseSignedJson(request.rawBody)
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload) || typeof (payload as PolarPayload).type !== 'string') {
    throw new BadRequestError('Signed Polar body has no event type', 'invalid_event')
  }
  return { webhookId: id, payload: payload as PolarPayload }
}

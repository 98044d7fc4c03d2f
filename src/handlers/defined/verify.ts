import { BadRequestError } from '../../core/domain/errors.ts'
import { verifyHmacSha256, type HmacScheme } from '../schemes/hmac-sha256.ts'
import { verifyStandardWebhook } from '../schemes/standard-webhooks.ts'
import type { SignedRequest } from '../sender.ts'
import { bodyEventId } from './map.ts'
import type { HmacSourceDefinition, SourceDefinition } from './schema.ts'
import { parseSignedJson } from '../schemes/signed-json.ts'

/** The HMAC scheme a definition describes. */
export function hmacSchemeOf(definition: HmacSourceDefinition): HmacScheme {
  return {
    signatureHeader: definition.signatureHeader,
    encoding: definition.encoding,
    ...(definition.signaturePrefix === undefined ? {} : { prefix: definition.signaturePrefix }),
    ...(definition.timestampHeader === undefined
      ? {}
      : {
          timestamp: {
            header: definition.timestampHeader,
            toleranceSeconds: definition.toleranceSeconds ?? 300,
            signed: definition.signedContent ?? 'timestamp.body',
          },
        }),
  }
}

/**
 * Verifies a delivery as its definition says, then parses the body; the
 * event id is Standard Webhooks' `webhook-id`, or the id header, or the
 * body's id. Throws SignatureError or BadRequestError.
 */
export function verifyDefinedEvent(definition: SourceDefinition, request: SignedRequest, secrets: readonly string[]): { eventId: string; body: unknown } {
  const secretVariable = definition.secretEnv
  let headerId: string | undefined
  if (definition.scheme === 'standard-webhooks') {
    headerId = verifyStandardWebhook({ ...request, secrets, secretVariable, ...(definition.toleranceSeconds ? { toleranceSeconds: definition.toleranceSeconds } : {}) }).id
  } else {
    verifyHmacSha256({ ...request, secrets, secretVariable }, hmacSchemeOf(definition))
    if (definition.idHeader) {
      headerId = request.headers.get(definition.idHeader)?.trim()
      if (!headerId) throw new BadRequestError(`Missing ${definition.idHeader} header (the event id)`, 'missing_header')
    }
  }
  const body = parseSignedJson(request.rawBody)
  const eventId = headerId ?? bodyEventId(definition, body)
  if (!eventId) throw new BadRequestError(`Signed ${definition.name} body has no event id at ${(definition as HmacSourceDefinition).id}`, 'invalid_event')
  return { eventId, body }
}

import { BadRequestError, SignatureError } from '../../core/domain/errors.ts'
import type { SignedRequest } from '../sender.ts'
import { decodeHmac, hmacMatches, signHmacSha256, type HmacScheme } from '../schemes/hmac-sha256.ts'
import { parseSignedJson } from '../schemes/signed-json.ts'

/** `X-Signature`: the hex HMAC-SHA256 of the raw body, keyed with the signing secret's UTF-8 bytes. */
const LEMON_SQUEEZY_SCHEME = { signatureHeader: 'x-signature', encoding: 'hex' } as const satisfies HmacScheme

export function lemonSqueezySignature(body: string, secret: string): string {
  return signHmacSha256({ rawBody: body, secret, scheme: LEMON_SQUEEZY_SCHEME })
}

/** True when the signature is the body's HMAC under any of the secrets (rotation), compared in constant time. */
function lemonSqueezySignatureMatches(rawBody: string, signature: string, secrets: readonly string[]): boolean {
  const presented = decodeHmac(signature, LEMON_SQUEEZY_SCHEME.encoding)
  return presented !== null && hmacMatches(rawBody, presented, secrets)
}

/** A verified Lemon Squeezy body: its event name (from the signed body) and its JSON:API resource. */
export interface VerifiedLemonSqueezyEvent {
  eventName: string
  meta: Record<string, any>
  data: Record<string, any>
}

function record(value: unknown): Record<string, any> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, any>) : undefined
}

/**
 * Checks `X-Signature`, then parses the body. Lemon Squeezy signs no
 * timestamp, so a captured delivery can be replayed; the event id
 * (event-id.ts) makes a replay a duplicate.
 */
export function verifyLemonSqueezyEvent(request: SignedRequest, secrets: readonly string[]): VerifiedLemonSqueezyEvent {
  const signature = request.headers.get('x-signature')?.trim()
  if (!signature) throw new BadRequestError('Missing X-Signature header: set a signing secret on the Lemon Squeezy webhook', 'missing_signature')
  if (!lemonSqueezySignatureMatches(request.rawBody, signature, secrets)) {
    throw new SignatureError('Lemon Squeezy signature does not match any configured LEMONSQUEEZY_WEBHOOK_SECRET (is the raw body forwarded unchanged?)')
  }
  const body = parseSignedJson(request.rawBody)
  const meta = record(record(body)?.meta)
  const data = record(record(body)?.data)
  const eventName = typeof meta?.event_name === 'string' ? meta.event_name.trim() : ''
  if (!meta || !data || !eventName) throw new BadRequestError('Signed Lemon Squeezy body has no meta.event_name or data', 'invalid_event')
  // The header is not signed; the body's name is. They differ only if someone changed one.
  const header = request.headers.get('x-event-name')?.trim()
  if (header && header !== eventName) throw new BadRequestError(`X-Event-Name (${header}) is not the signed meta.event_name (${eventName})`, 'invalid_event')
  return { eventName, meta, data }
}

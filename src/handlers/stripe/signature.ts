import { createHmac, timingSafeEqual } from 'node:crypto'

export type StripeSignatureVerdict = { ok: true } | { ok: false; reason: 'malformed' | 'no_match' | 'stale' }

export interface StripeSignatureCheck {
  rawBody: string
  /** The `Stripe-Signature` header: `t=<unix seconds>,v1=<hex>[,v1=…][,v0=…]`. */
  header: string
  /** Any one may match, so a rotated secret and its successor both work meanwhile. */
  secrets: readonly string[]
  /** Oldest accepted age; 0 turns the age check off, as in Stripe's SDK. */
  toleranceSeconds: number
  /** ms since the epoch. */
  now: number
}

/**
 * Stripe's webhook signature scheme, checked the way stripe-node's
 * `Webhooks.ts` checks it: HMAC-SHA256 of `${t}.${rawBody}`, hex, against
 * every `v1` in the header; age checked only once a signature matched.
 */
export function verifyStripeSignature({ rawBody, header, secrets, toleranceSeconds, now }: StripeSignatureCheck): StripeSignatureVerdict {
  const parsed = parseHeader(header)
  // The SDK refuses an empty body before it looks at signatures.
  if (!rawBody || !parsed) return { ok: false, reason: 'malformed' }

  const signed = `${parsed.timestamp}.${rawBody}`
  const matched = secrets.some((secret) => {
    // A blank secret would sign with an empty key: the SDK refuses it, and so do we.
    if (/^[ \t\r\n\f\v]*$/.test(secret)) return false
    const expected = Buffer.from(createHmac('sha256', secret).update(signed, 'utf8').digest('hex'))
    return parsed.signatures.some((candidate) => {
      const given = Buffer.from(candidate)
      return given.length === expected.length && timingSafeEqual(given, expected)
    })
  })
  if (!matched) return { ok: false, reason: 'no_match' }

  // Only age is refused: a timestamp ahead of our clock passes, as in the SDK,
  // since it can only come from someone holding the secret (or clock skew).
  const ageSeconds = Math.floor(now / 1000) - parsed.timestamp
  if (toleranceSeconds > 0 && ageSeconds > toleranceSeconds) return { ok: false, reason: 'stale' }
  return { ok: true }
}

/**
 * The SDK's parse (split on `,` then `=`, exact keys, the last `t` wins, only
 * `v1` counts: `v0` is a test-mode scheme), except that a `t` that is not a
 * plain number is malformed here, where the SDK would sign over `NaN`.
 */
function parseHeader(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp = Number.NaN
  const signatures: string[] = []
  for (const item of header.split(',')) {
    const [key, value = ''] = item.split('=')
    if (key === 't') timestamp = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN
    if (key === 'v1') signatures.push(value)
  }
  if (Number.isNaN(timestamp) || signatures.length === 0) return null
  return { timestamp, signatures }
}

import { createHmac, timingSafeEqual } from 'node:crypto'
import { BadRequestError, SignatureError } from '../../core/domain/errors.ts'

/**
 * Standard Webhooks (standardwebhooks.com), the scheme Svix, Polar, Clerk,
 * Resend and others sign with: `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "<webhook-id>.<webhook-timestamp>.<body>">`, space-separated when several
 * keys sign (a rotation). Written to the spec with node:crypto, so a sender
 * pays no library import on a cold start; test/handlers/standard-webhooks
 * proves it accepts and refuses exactly what the `standardwebhooks` package does.
 */

/** The spec's recommended tolerance, and the `standardwebhooks` package's: 5 minutes, in both directions. */
const DEFAULT_TOLERANCE_SECONDS = 300

/** The HMAC keys one configured secret stands for; a sender whose secrets differ from the spec's passes its own. */
export type KeyFrom = (secret: string) => readonly Buffer[]

export interface StandardWebhookRequest {
  rawBody: string
  headers: Headers
  /** Every secret currently valid (several during a rotation). */
  secrets: readonly string[]
  /** ms since the epoch. */
  now: number
  toleranceSeconds?: number
  keyFrom?: KeyFrom
  /** Where the secrets come from, for the message when none matches (e.g. POLAR_WEBHOOK_SECRET). */
  secretVariable?: string
}

export interface VerifiedStandardWebhook {
  /** `webhook-id`: the message id, the same on every retry of one message. */
  id: string
  /** `webhook-timestamp`, in seconds. */
  timestamp: number
}

const PREFIX = 'whsec_'

/** The spec's key: the base64 after `whsec_`. A secret that does not decode to any bytes gives no key (it can match nothing). */
export const standardWebhookKey: KeyFrom = (secret) => {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64')
  return key.length ? [key] : []
}

/** `v1,<base64>` for one message under one key. */
export function signStandardWebhook(options: { id: string; timestamp: number; body: string; key: Buffer }): string {
  const { id, timestamp, body, key } = options
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64')}`
}

/** Svix sends the same headers under its own name; either set is accepted, each header by itself. */
function header(headers: Headers, name: 'id' | 'timestamp' | 'signature'): string | undefined {
  return (headers.get(`webhook-${name}`) ?? headers.get(`svix-${name}`))?.trim() || undefined
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  // Every expected signature has the same length (44 characters), so a length mismatch tells an attacker nothing.
  return left.length === right.length && timingSafeEqual(left, right)
}

/**
 * Checks a Standard Webhooks signature against every key of every secret and
 * returns the message id and timestamp; throws BadRequestError (headers
 * missing or unreadable) or SignatureError (no match, too old, too new).
 * Signatures of other versions (`v1a`, ed25519) are skipped, as the spec says.
 */
export function verifyStandardWebhook(request: StandardWebhookRequest): VerifiedStandardWebhook {
  const { rawBody, headers, secrets, now } = request
  const tolerance = request.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
  const keyFrom = request.keyFrom ?? standardWebhookKey
  const signatures = header(headers, 'signature')
  if (!signatures) throw new BadRequestError('Missing webhook-signature header: is this request from the sender, signed?', 'missing_signature')
  const id = header(headers, 'id')
  const stamp = header(headers, 'timestamp')
  if (!id || !stamp) throw new BadRequestError(`Missing webhook-${id ? 'timestamp' : 'id'} header`, 'missing_header')
  // The spec's timestamp is whole seconds; anything else is not a message the sender made.
  if (!/^\d{1,12}$/.test(stamp)) throw new BadRequestError('webhook-timestamp is not a whole number of seconds')
  const timestamp = Number(stamp)

  const presented = signatures.split(' ').flatMap((entry) => {
    const [version, signature] = entry.split(',')
    return version === 'v1' && signature ? [signature] : []
  })
  const expected = secrets.flatMap((secret) => keyFrom(secret)).map((key) => signStandardWebhook({ id, timestamp, body: rawBody, key }).slice(3))
  if (!presented.some((signature) => expected.some((candidate) => sameText(candidate, signature)))) {
    throw new SignatureError(
      `Signature does not match any configured ${request.secretVariable ?? 'secret'} (is the raw body forwarded unchanged, and the whole secret set?)`,
    )
  }
  const age = Math.floor(now / 1000) - timestamp
  if (age > tolerance) throw new SignatureError(`Signature timestamp is ${age} s old, more than ${tolerance} s: a replayed or delayed delivery`)
  if (-age > tolerance) throw new SignatureError(`Signature timestamp is ${-age} s in the future, more than ${tolerance} s: check the clocks`)
  return { id, timestamp }
}

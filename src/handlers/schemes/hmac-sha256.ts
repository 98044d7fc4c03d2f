import { createHmac, timingSafeEqual } from 'node:crypto'
import { BadRequestError, SignatureError } from '../../core/domain/errors.ts'

/**
 * The signature most webhook senders use, in its common variations: an
 * HMAC-SHA256 keyed with the secret's UTF-8 bytes, in one header, hex or
 * base64, maybe after a prefix (`sha256=`), and maybe over a timestamp that
 * another header carries (`<timestamp>.<body>`), which bounds replays.
 * GitHub, Lemon Squeezy and Shopify are instances of it; senders defined in
 * the rules file are described with it.
 */
export interface HmacScheme {
  signatureHeader: string
  encoding: 'hex' | 'base64'
  /** Text before the signature in the header, e.g. `sha256=`. */
  prefix?: string
  timestamp?: {
    /** Carries Unix seconds. */
    header: string
    /** Oldest (and furthest in the future) accepted timestamp. */
    toleranceSeconds: number
    /** `timestamp.body`: the timestamp is signed with the body; `body`: only the body is (the timestamp then bounds only honest delays). */
    signed: 'body' | 'timestamp.body'
  }
}

export interface HmacRequest {
  rawBody: string
  headers: Headers
  /** Every secret currently valid (several during a rotation). */
  secrets: readonly string[]
  /** ms since the epoch. */
  now: number
  /** Where the secrets come from, for the message when none matches. */
  secretVariable: string
}

const DIGEST_BYTES = 32

function signedText(rawBody: string, timestamp: string | undefined, scheme: HmacScheme): string {
  return scheme.timestamp?.signed === 'timestamp.body' ? `${timestamp}.${rawBody}` : rawBody
}

/** The header value the sender would send: prefix and encoded digest. */
export function signHmacSha256(options: { rawBody: string; secret: string; scheme: HmacScheme; timestamp?: number }): string {
  const { rawBody, secret, scheme } = options
  const digest = createHmac('sha256', secret).update(signedText(rawBody, String(options.timestamp), scheme), 'utf8').digest(scheme.encoding)
  return `${scheme.prefix ?? ''}${digest}`
}

/** The 32 bytes a signature header's value encodes, or null when it is not an HMAC-SHA256 in that encoding. */
export function decodeHmac(value: string, encoding: HmacScheme['encoding']): Buffer | null {
  if (encoding === 'hex') return /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : null
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : null
  return bytes?.length === DIGEST_BYTES ? bytes : null
}

/**
 * Checks the signature against every secret in constant time, then the
 * timestamp's age; returns the timestamp (seconds) when the scheme has one.
 * Throws BadRequestError (a header missing or unreadable) or SignatureError.
 */
export function verifyHmacSha256(request: HmacRequest, scheme: HmacScheme): { timestamp?: number } {
  const { rawBody, headers, secrets, now } = request
  const header = headers.get(scheme.signatureHeader)?.trim()
  if (!header) throw new BadRequestError(`Missing ${scheme.signatureHeader} header: is this request from the sender, signed?`, 'missing_signature')
  let stamp: string | undefined
  if (scheme.timestamp) {
    stamp = headers.get(scheme.timestamp.header)?.trim()
    if (!stamp) throw new BadRequestError(`Missing ${scheme.timestamp.header} header`, 'missing_header')
    if (!/^\d{1,12}$/.test(stamp)) throw new BadRequestError(`${scheme.timestamp.header} is not a whole number of seconds`)
  }
  const prefix = scheme.prefix ?? ''
  const presented = header.startsWith(prefix) ? decodeHmac(header.slice(prefix.length), scheme.encoding) : null
  if (!presented) throw new SignatureError(`${scheme.signatureHeader} is not ${prefix ? `"${prefix}" and ` : ''}a ${scheme.encoding} HMAC-SHA256`)

  if (!hmacMatches(signedText(rawBody, stamp, scheme), presented, secrets)) throw new SignatureError(`Signature does not match any configured ${request.secretVariable} (is the raw body forwarded unchanged, and the whole secret set?)`)

  if (!scheme.timestamp || stamp === undefined) return {}
  const timestamp = Number(stamp)
  const age = Math.floor(now / 1000) - timestamp
  const tolerance = scheme.timestamp.toleranceSeconds
  if (age > tolerance) throw new SignatureError(`Signature timestamp is ${age} s old, more than ${tolerance} s: a replayed or delayed delivery`)
  if (-age > tolerance) throw new SignatureError(`Signature timestamp is ${-age} s in the future, more than ${tolerance} s: check the clocks`)
  return { timestamp }
}

/** Whether `presented` is the HMAC-SHA256 of `content` under any of the secrets (rotation), each compared in constant time. */
export function hmacMatches(content: string, presented: Buffer, secrets: readonly string[]): boolean {
  // Every secret is tried, whichever matches: the time taken does not say which one did.
  let matched = false
  for (const secret of secrets) {
    if (!secret.trim()) continue
    const expected = createHmac('sha256', secret).update(content, 'utf8').digest()
    matched = timingSafeEqual(expected, presented) || matched
  }
  return matched
}

import { BadRequestError, BatchTooLargeError } from '../../core/domain/errors.ts'

/** A POST /invites body, read and checked; the addresses are still as sent. */
export interface InvitesRequest {
  emails: string[]
  /** Becomes each invited user's user_metadata. */
  data: Record<string, unknown> | undefined
}

const FIELDS = new Set(['email', 'emails', 'data'])
/**
 * Metadata is a few flat fields (a name, a plan). JSON.parse takes any depth,
 * but JSON.stringify throws a RangeError a few thousand levels down, long
 * after the request was accepted; refuse it here as the caller's mistake.
 */
const MAX_DATA_DEPTH = 20
/**
 * GoTrue copies user_metadata into every access token of the user, and
 * Netlify keeps that token in the nf_jwt cookie, which browsers drop past
 * 4 KB; base64 makes the metadata a third larger on the way.
 */
const MAX_DATA_BYTES = 2048
const EXAMPLE = '{"email": "ann@example.com"} or {"emails": ["ann@example.com", "bob@example.com"]}'

/**
 * Refuses the whole request (400/413) for anything malformed, before a single
 * invite: a half-understood request must not invite half a list. Addresses
 * that are strings but not addresses are judged one by one later.
 */
export function parseInvitesBody(text: string, maxBatch: number): InvitesRequest {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new BadRequestError(`The body is not JSON; send ${EXAMPLE}`, 'invalid_json')
  }
  if (!isObject(body)) throw new BadRequestError(`The body must be a JSON object: ${EXAMPLE}`)
  // A typo ("emial") must not pass as "no addresses" or, worse, be ignored.
  const unknown = Object.keys(body).find((key) => !FIELDS.has(key))
  if (unknown !== undefined) throw new BadRequestError(`Unknown field "${unknown}": send "email" or "emails", and optionally "data"`)
  if (body.email !== undefined && body.emails !== undefined) throw new BadRequestError('Send "email" or "emails", not both')

  let emails: string[]
  if (body.email !== undefined) {
    if (typeof body.email !== 'string') throw new BadRequestError('"email" must be a string')
    emails = [body.email]
  } else if (body.emails !== undefined) {
    if (!Array.isArray(body.emails) || !body.emails.every((email) => typeof email === 'string')) {
      throw new BadRequestError('"emails" must be an array of strings')
    }
    if (body.emails.length === 0) throw new BadRequestError('"emails" is empty: nothing to invite')
    emails = body.emails
  } else {
    throw new BadRequestError(`No addresses: send ${EXAMPLE}`)
  }
  if (emails.length > maxBatch) throw new BatchTooLargeError(emails.length, maxBatch)

  if (body.data !== undefined && body.data !== null && !isObject(body.data)) {
    throw new BadRequestError('"data" must be a JSON object (it becomes the user_metadata of each invited user)')
  }
  if (isObject(body.data)) assertMetadataSized(body.data)
  return { emails, data: isObject(body.data) ? body.data : undefined }
}

function assertMetadataSized(data: Record<string, unknown>): void {
  if (nestedDeeperThan(data, MAX_DATA_DEPTH)) {
    throw new BadRequestError(`"data" is nested more than ${MAX_DATA_DEPTH} levels deep: user metadata should be a few flat fields`)
  }
  const bytes = Buffer.byteLength(JSON.stringify(data), 'utf8')
  if (bytes > MAX_DATA_BYTES) {
    throw new BadRequestError(`"data" is ${bytes} bytes of JSON; the limit is ${MAX_DATA_BYTES}, as it rides in every access token of the user`)
  }
}

/** Walks with a stack of its own, not recursion, so no depth can overflow the call stack here either. */
function nestedDeeperThan(value: object, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]]
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth] = next
    if (typeof item !== 'object' || item === null) continue
    if (depth > max) return true
    for (const child of Object.values(item)) pending.push([child, depth + 1])
  }
  return false
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

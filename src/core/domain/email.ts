import { createHmac } from 'node:crypto'

// Deliberately plain: the identity server is the final judge of deliverability.
// This only keeps obvious garbage (no @, spaces, no dotted domain) out of the
// store and away from identity.
const EMAIL_SHAPE = /^[^\s@"<>()[\],;:]+@[^\s@"<>()[\],;:]+\.[^\s@"<>()[\],;:.]{2,}$/

/** Trim and lower-case an address, or null when it is not an address. */
export function normaliseEmail(input: unknown): string | null {
  if (typeof input !== 'string') return null
  const email = input.trim().toLowerCase()
  if (email.length > 254 || !EMAIL_SHAPE.test(email)) return null
  const domain = email.slice(email.lastIndexOf('@') + 1)
  if (domain.startsWith('.') || domain.includes('..')) return null
  return email
}

/** `jane@example.com` → `j***@example.com`: enough to recognise in a log, not enough to harvest. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@')
  if (at < 1) return '***'
  return `${email[0]}***${email.slice(at)}`
}

/**
 * The person part of a store key: a keyed hash of the normalised address, so a
 * leaked key listing reveals no addresses and cannot be reversed by hashing a
 * list of guesses without the key.
 */
export function personId(normalisedEmail: string, hashKey: string): string {
  return createHmac('sha256', hashKey).update(normalisedEmail).digest('hex')
}

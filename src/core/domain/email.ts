import { createHmac } from 'node:crypto'
import { domainToASCII, domainToUnicode } from 'node:url'

// Deliberately plain: the identity server is the final judge of deliverability.
// This only keeps obvious garbage (no @, spaces, no dotted domain) out of the
// store and away from identity.
const EMAIL_SHAPE = /^[^\s@"<>()[\],;:]+@[^\s@"<>()[\],;:]+\.[^\s@"<>()[\],;:.]{2,}$/

/**
 * One spelling per mailbox, or null when it is not an address: trimmed,
 * lower-cased, Unicode in composed form (NFC), and the domain in its ASCII
 * (punycode) form. `josé` typed on a Mac (NFD) and on Windows (NFC), or
 * `bücher.example` and `xn--bcher-kva.example`, are one person: they must
 * hash to one store key and reach identity as one address.
 */
export function normaliseEmail(input: unknown): string | null {
  if (typeof input !== 'string') return null
  const lowered = input.trim().toLowerCase().normalize('NFC')
  const at = lowered.lastIndexOf('@')
  if (at < 1) return null
  // UTS #46 mapping, as browsers and mail servers apply it; '' when the domain has no valid ASCII form.
  const domain = domainToASCII(lowered.slice(at + 1))
  if (!domain || !punycodeDecodes(domain)) return null
  const email = `${lowered.slice(0, at)}@${domain}`
  if (email.length > 254 || !EMAIL_SHAPE.test(email)) return null
  if (domain.startsWith('.') || domain.includes('..')) return null
  return email
}

/**
 * Node 22 refuses an `xn--` label that is not valid punycode (domainToASCII
 * answers ''); Node 24 passes it through unchanged. Such a label decodes to
 * itself, which no real one does.
 */
function punycodeDecodes(asciiDomain: string): boolean {
  const labels = asciiDomain.split('.')
  const decoded = domainToUnicode(asciiDomain).split('.')
  return labels.every((label, index) => !label.startsWith('xn--') || (decoded[index] !== undefined && decoded[index] !== label))
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

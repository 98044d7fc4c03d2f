import { createHash } from 'node:crypto'

/**
 * The same account id for the same address on every `send`, as a real shop
 * keeps one customer per buyer: the ledger links a sender's customer to the
 * account it was given, so two addresses must not share one customer id.
 */
export function sampleAccountHex(email: string, length = 14): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, length)
}

/** A numeric customer id (Lemon Squeezy, Shopify) for an address, stable across sends. */
export function sampleAccountNumber(email: string): number {
  return Number.parseInt(sampleAccountHex(email, 12), 16)
}

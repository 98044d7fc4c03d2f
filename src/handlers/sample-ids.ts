import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

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

/** A sample payload kept as `<folder>/<name>.json` beside the sender (read when `send` builds one, never by the function). */
export function readSample(folder: URL, name: string): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`${name}.json`, folder), 'utf8')) as Record<string, any>
}

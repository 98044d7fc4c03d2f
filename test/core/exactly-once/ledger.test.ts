import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ledgerKey, readLink, writeLink } from '../../../src/core/exactly-once/ledger.ts'
import { createMemoryStore } from '../../../src/core/exactly-once/memory-store.ts'

const HASH_KEY = randomBytes(32).toString('base64url')
const link = (userId: string) => ({ userId, personId: 'p'.repeat(64), at: Date.UTC(2026, 0, 1) })

describe('the ledger', () => {
  it('keys a subject by source and a keyed hash: no subject in the key, and one source cannot read another’s', () => {
    const key = ledgerKey('stripe', 'cus_ann', HASH_KEY)
    expect(key).toMatch(/^ledger\/stripe\/[0-9a-f]{64}$/)
    expect(ledgerKey('github', 'cus_ann', HASH_KEY).endsWith(key.slice('ledger/stripe/'.length))).toBe(false)
    expect(ledgerKey('stripe', 'cus_ann', randomBytes(32).toString('base64url'))).not.toBe(key)
  })

  it('keeps the first account a subject was given when another event races it with another account', async () => {
    const store = createMemoryStore()
    const key = ledgerKey('stripe', 'cus_ann', HASH_KEY)
    expect(await readLink(store, key)).toBeNull()
    await writeLink(store, key, link('u-first'))
    await writeLink(store, key, link('u-second'))
    expect(await readLink(store, key)).toEqual(link('u-first'))
  })

  it('replaces a link only when the caller found its account deleted', async () => {
    const store = createMemoryStore()
    const key = ledgerKey('github', 'user:1', HASH_KEY)
    await writeLink(store, key, link('u-deleted'))
    await writeLink(store, key, link('u-new'), 'u-deleted')
    expect(await readLink(store, key)).toEqual(link('u-new'))
    await writeLink(store, key, link('u-other'), 'u-deleted')
    expect(await readLink(store, key)).toEqual(link('u-new'))
  })
})

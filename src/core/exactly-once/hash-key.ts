import { randomBytes } from 'node:crypto'
import type { KeyValueStore } from './store.ts'

const HASH_KEY_RECORD = 'meta/person-hash-key'

/**
 * The key that turns addresses into person ids must never change, or every
 * person would look new again. When BRIDGE_HASH_KEY is not set, the first
 * instance to need one generates it and stores it with a create-if-absent, so
 * concurrent cold starts all end up with the same key.
 */
export function hashKeyLoader(store: KeyValueStore, configured: string | undefined): () => Promise<string> {
  let pending: Promise<string> | undefined
  return () => {
    if (configured) return Promise.resolve(configured)
    pending ??= loadOrCreate(store).catch((error: unknown) => {
      pending = undefined // a store outage must not poison this instance forever
      throw error
    })
    return pending
  }
}

async function loadOrCreate(store: KeyValueStore): Promise<string> {
  const existing = await store.get<{ key: string }>(HASH_KEY_RECORD)
  if (existing) return existing.value.key
  await store.create(HASH_KEY_RECORD, { key: randomBytes(32).toString('base64url') })
  // Read back rather than trust our own value: another instance may have won the create.
  const stored = await store.get<{ key: string }>(HASH_KEY_RECORD)
  if (!stored) throw new Error('The store lost the person hash key it just wrote')
  return stored.value.key
}

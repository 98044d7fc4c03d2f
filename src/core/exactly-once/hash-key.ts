import { storedSecret } from './stored-secret.ts'
import type { KeyValueStore } from './store.ts'

const HASH_KEY_RECORD = 'meta/person-hash-key'

/**
 * The key that turns addresses into person ids must never change, or every
 * person would look new again. When BRIDGE_HASH_KEY is not set, the first
 * instance to need one generates it and stores it with a create-if-absent, so
 * concurrent cold starts all end up with the same key.
 */
export function hashKeyLoader(store: KeyValueStore, configured: string | undefined): () => Promise<string> {
  return storedSecret(store, HASH_KEY_RECORD, configured)
}

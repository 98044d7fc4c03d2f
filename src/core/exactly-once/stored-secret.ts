import { randomBytes } from 'node:crypto'
import { readValue, type KeyValueStore } from './store.ts'

/**
 * A secret the bridge generates once and keeps in its store (the person
 * hash key, the event log's keys): the first instance to need it writes it
 * with a create-if-absent, so concurrent cold starts agree. A configured
 * value wins and the store is never asked.
 */
export function storedSecret(store: KeyValueStore, key: string, configured?: string): () => Promise<string> {
  let pending: Promise<string> | undefined
  return () => {
    if (configured) return Promise.resolve(configured)
    pending ??= loadOrCreate(store, key).catch((error: unknown) => {
      pending = undefined // a store outage must not poison this instance forever
      throw error
    })
    return pending
  }
}

async function loadOrCreate(store: KeyValueStore, key: string): Promise<string> {
  const existing = await readValue<{ key: string }>(store, key)
  if (existing) return existing.key
  await store.create(key, { key: randomBytes(32).toString('base64url') })
  // Read back rather than trust our own value: another instance may have won the create.
  const stored = await readValue<{ key: string }>(store, key)
  if (!stored) throw new Error(`The store lost the secret ${key} it just wrote`)
  return stored.key
}

/** Where the generated secrets live. */
export const SECRET_RECORDS = {
  encryption: 'meta/event-encryption-key',
  sweep: 'meta/sweep-secret',
} as const

import { randomUUID } from 'node:crypto'

import type { KeyValueStore, StoredRecord } from './store.ts'

/**
 * A KeyValueStore in one process's memory, for tests and throwaway runs.
 * Values are kept as JSON text, as SQLite and Blobs keep them, so a caller
 * never shares an object with the store: mutating what it wrote or read
 * changes nothing stored, and what JSON cannot carry is lost here too.
 * Each operation runs without an await, so create and replace are atomic.
 */
export function createMemoryStore(): KeyValueStore {
  const records = new Map<string, { json: string; etag: string }>()

  return {
    async get<T>(key: string): Promise<StoredRecord<T> | null> {
      const record = records.get(key)
      return record ? { value: JSON.parse(record.json) as T, etag: record.etag } : null
    },
    async create<T>(key: string, value: T) {
      const json = JSON.stringify(value)
      if (records.has(key)) return { created: false as const }
      const etag = randomUUID()
      records.set(key, { json, etag })
      return { created: true as const, etag }
    },
    async replace<T>(key: string, value: T, etag: string) {
      const json = JSON.stringify(value)
      if (records.get(key)?.etag !== etag) return { replaced: false as const }
      const next = randomUUID()
      records.set(key, { json, etag: next })
      return { replaced: true as const, etag: next }
    },
  }
}

import { randomUUID } from 'node:crypto'

import { byteOrder, pageOfKeys, type KeyValueStore, type ListOptions, type ListPage, type StoredRecord } from './store.ts'

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
    async list<T>(prefix: string, options?: ListOptions): Promise<ListPage<T>> {
      const keys = [...records.keys()].filter((key) => key.startsWith(prefix)).sort(byteOrder)
      const page = pageOfKeys(keys, options)
      return {
        records: page.keys.map((key) => {
          const record = records.get(key)!
          return { key, value: JSON.parse(record.json) as T, etag: record.etag }
        }),
        next: page.more ? page.keys.at(-1)! : null,
      }
    },
    async delete(key: string, etag?: string) {
      const record = records.get(key)
      if (!record || (etag !== undefined && record.etag !== etag)) return { deleted: false }
      records.delete(key)
      return { deleted: true }
    },
  }
}

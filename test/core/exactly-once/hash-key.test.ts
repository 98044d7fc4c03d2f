import { describe, expect, it } from 'vitest'

import { hashKeyLoader } from '../../../src/core/exactly-once/hash-key.ts'
import { createMemoryStore } from '../../../src/core/exactly-once/memory-store.ts'
import type { KeyValueStore } from '../../../src/core/exactly-once/store.ts'

/** A store that counts reads and fails the next `failures` operations, as an outage would. */
function flakyStore(inner: KeyValueStore, failures = 0) {
  let left = failures
  const counts = { get: 0 }
  const failing = () => {
    if (left > 0) {
      left--
      throw new Error('store unavailable')
    }
  }
  const store: KeyValueStore = {
    async get(key) {
      counts.get++
      failing()
      return inner.get(key)
    },
    async create(key, value) {
      failing()
      return inner.create(key, value)
    },
    replace: (key, value, etag) => inner.replace(key, value, etag),
    list: (prefix, options) => inner.list(prefix, options),
    delete: (key, etag) => inner.delete(key, etag),
  }
  return { store, counts }
}

describe('hashKeyLoader', () => {
  it('a configured key wins, and the store is never asked', async () => {
    const untouchable: KeyValueStore = {
      get: () => Promise.reject(new Error('the store was read')),
      create: () => Promise.reject(new Error('the store was written')),
      replace: () => Promise.reject(new Error('the store was written')),
      list: () => Promise.reject(new Error('the store was read')),
      delete: () => Promise.reject(new Error('the store was written')),
    }
    expect(await hashKeyLoader(untouchable, 'configured-key')()).toBe('configured-key')
  })

  it('without one, generates a random key and keeps it in the store', async () => {
    const store = createMemoryStore()
    const key = await hashKeyLoader(store, undefined)()
    expect(key).toMatch(/^[\w-]{43}$/) // 32 random bytes, base64url
    expect(await hashKeyLoader(createMemoryStore(), undefined)()).not.toBe(key)
    expect(await hashKeyLoader(store, undefined)()).toBe(key)
  })

  it('two instances starting at once on one store end up with the same key', async () => {
    const store = createMemoryStore()
    const [first, second] = await Promise.all([hashKeyLoader(store, undefined)(), hashKeyLoader(store, undefined)()])
    expect(first).toBe(second)
  })

  it('an empty configured key counts as none (an unset variable), not as the key', async () => {
    expect(await hashKeyLoader(createMemoryStore(), '')()).toMatch(/^[\w-]{43}$/)
  })

  it('reads the store once per loader, however often it is asked', async () => {
    const { store, counts } = flakyStore(createMemoryStore())
    const load = hashKeyLoader(store, undefined)
    const keys = await Promise.all([load(), load(), load()])
    await load()
    expect(new Set(keys).size).toBe(1)
    expect(counts.get).toBe(2) // the first look, and the read-back after creating
  })

  it('a store failure is not remembered: the next call asks the store again', async () => {
    const inner = createMemoryStore()
    const { store } = flakyStore(inner, 1)
    const load = hashKeyLoader(store, undefined)
    await expect(load()).rejects.toThrow('store unavailable')
    const key = await load()
    expect((await inner.get<{ key: string }>('meta/person-hash-key'))?.value.key).toBe(key)
  })
})

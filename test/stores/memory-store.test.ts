import { describe, expect, it } from 'vitest'

import { createMemoryStore } from '../../src/core/exactly-once/memory-store.ts'
import { runStoreContract } from './contract.ts'

describe('createMemoryStore: contract', () => {
  runStoreContract(() => createMemoryStore())
})

describe('createMemoryStore', () => {
  it('keeps a copy of what was written: mutating the written object changes nothing stored', async () => {
    const store = createMemoryStore()
    const value = { state: 'pending', roles: ['pro'] }
    await store.create('person/a', value)
    value.state = 'done'
    value.roles.push('basic')
    expect((await store.get('person/a'))?.value).toEqual({ state: 'pending', roles: ['pro'] })
  })

  it('hands out a copy on read: mutating what was read changes nothing stored', async () => {
    const store = createMemoryStore()
    await store.create('person/a', { roles: ['pro'] })
    const read = await store.get<{ roles: string[] }>('person/a')
    read!.value.roles.push('basic')
    expect((await store.get('person/a'))?.value).toEqual({ roles: ['pro'] })
  })

  it('a replaced value is copied too', async () => {
    const store = createMemoryStore()
    const created = await store.create('person/a', { n: 1 })
    const next = { n: 2 }
    await store.replace('person/a', next, created.created ? created.etag : '')
    next.n = 3
    expect((await store.get('person/a'))?.value).toEqual({ n: 2 })
  })

  it('stores JSON: undefined fields vanish and dates become strings, as in SQLite and Blobs', async () => {
    const store = createMemoryStore()
    await store.create('k', { kept: 1, dropped: undefined, at: new Date(Date.UTC(2026, 0, 1)) })
    expect((await store.get('k'))?.value).toStrictEqual({ kept: 1, at: '2026-01-01T00:00:00.000Z' })
  })

  it('a value JSON cannot write is an error, and nothing is stored', async () => {
    const store = createMemoryStore()
    await expect(store.create('k', { n: 1n })).rejects.toThrow(TypeError)
    expect(await store.get('k')).toBeNull()
  })

  it('50 concurrent creates of one key: exactly one wins', async () => {
    const store = createMemoryStore()
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.create('event/stripe/evt_race', { by: i })))
    const winners = results.flatMap((result, i) => (result.created ? [i] : []))
    expect(winners).toHaveLength(1)
    expect((await store.get('event/stripe/evt_race'))?.value).toEqual({ by: winners[0] })
  })

  it('two stores share nothing', async () => {
    const first = createMemoryStore()
    await first.create('k', 1)
    expect(await createMemoryStore().get('k')).toBeNull()
  })
})

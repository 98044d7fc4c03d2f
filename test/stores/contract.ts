import { afterEach, beforeEach, expect, it } from 'vitest'

import type { KeyValueStore } from '../../src/core/exactly-once/store.ts'

/**
 * The behaviour every KeyValueStore must share. `open` gives a fresh, empty
 * store for each test; it is closed afterwards when it can be.
 */
export function runStoreContract(open: () => Promise<KeyValueStore> | KeyValueStore): void {
  let store: KeyValueStore

  beforeEach(async () => {
    store = await open()
  })

  afterEach(async () => {
    await store.close?.()
  })

  it('get of a missing key is null', async () => {
    expect(await store.get('event/stripe/evt_missing')).toBeNull()
  })

  it('create then get returns the value and the etag of the write', async () => {
    const created = await store.create('person/a@example.com', { state: 'claimed', n: 1 })
    expect(created).toEqual({ created: true, etag: expect.any(String) })
    const found = await store.get('person/a@example.com')
    expect(found).toEqual({ value: { state: 'claimed', n: 1 }, etag: created.created ? created.etag : '' })
  })

  it('a second create of the same key is created:false and leaves the value alone', async () => {
    await store.create('person/b@example.com', { owner: 'first' })
    expect(await store.create('person/b@example.com', { owner: 'second' })).toEqual({ created: false })
    expect((await store.get('person/b@example.com'))?.value).toEqual({ owner: 'first' })
  })

  it('replace with the current etag writes and changes the etag', async () => {
    await store.create('person/c@example.com', { state: 'claimed' })
    const before = await store.get('person/c@example.com')
    const replaced = await store.replace('person/c@example.com', { state: 'invited' }, before!.etag)
    expect(replaced).toEqual({ replaced: true, etag: expect.any(String) })
    const after = await store.get('person/c@example.com')
    expect(after?.value).toEqual({ state: 'invited' })
    expect(after?.etag).toBe(replaced.replaced ? replaced.etag : '')
    expect(after?.etag).not.toBe(before!.etag)
  })

  it('replace with a stale etag is replaced:false and leaves the value alone', async () => {
    const created = await store.create('person/d@example.com', { v: 1 })
    const stale = created.created ? created.etag : ''
    expect((await store.replace('person/d@example.com', { v: 2 }, stale)).replaced).toBe(true)
    expect(await store.replace('person/d@example.com', { v: 3 }, stale)).toEqual({ replaced: false })
    expect((await store.get('person/d@example.com'))?.value).toEqual({ v: 2 })
  })

  it('replace of a missing key is replaced:false and creates nothing', async () => {
    expect(await store.replace('person/nobody@example.com', { v: 1 }, 'some-etag')).toEqual({ replaced: false })
    expect(await store.get('person/nobody@example.com')).toBeNull()
  })

  it('keys with slashes work, and a shared prefix is not a record', async () => {
    await store.create('event/stripe/evt_1', { source: 'stripe' })
    await store.create('event/github/evt_1', { source: 'github' })
    expect((await store.get('event/stripe/evt_1'))?.value).toEqual({ source: 'stripe' })
    expect((await store.get('event/github/evt_1'))?.value).toEqual({ source: 'github' })
    expect(await store.get('event/stripe')).toBeNull()
  })
}

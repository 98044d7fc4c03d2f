import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { readValue, type KeyValueStore } from '../../src/core/exactly-once/store.ts'

/**
 * The behaviour every KeyValueStore must share. `open` gives a fresh, empty
 * store for each test; it is closed afterwards when it can be.
 */
export function runStoreContract(
  open: () => Promise<KeyValueStore> | KeyValueStore,
  options: { skipList?: string } = {},
): void {
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

  it('readValue answers the value get answers, and null for a missing key', async () => {
    await store.create('ledger/stripe/abc', { userId: 'u1' })
    expect(await readValue(store, 'ledger/stripe/abc')).toEqual({ userId: 'u1' })
    expect(await readValue(store, 'ledger/stripe/missing')).toBeNull()
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

  describe.skipIf(options.skipList)(`list${options.skipList ? ` (skipped: ${options.skipList})` : ''}`, () => {
    const write = async (keys: string[]) => {
      for (const key of keys) await store.create(key, { key })
    }

    it('lists only keys under the prefix, in byte order, with values and etags', async () => {
      await write(['log/0002', 'log/0001', 'log-index/stripe/evt_1', 'lo', 'pending/0001', 'log/0003'])
      const page = await store.list<{ key: string }>('log/')
      expect(page.records.map((record) => record.key)).toEqual(['log/0001', 'log/0002', 'log/0003'])
      expect(page.records[0]!.value).toEqual({ key: 'log/0001' })
      expect(page.records[0]!.etag).toBe((await store.get('log/0001'))!.etag)
      expect(page.next).toBeNull()
    })

    it('an empty prefix answers an empty page', async () => {
      expect(await store.list('nothing/')).toEqual({ records: [], next: null })
    })

    it('pages: at most `limit`, then `next` continues strictly after the last key', async () => {
      await write(['q/a', 'q/b', 'q/c', 'q/d', 'q/e'])
      const first = await store.list('q/', { limit: 2 })
      expect(first.records.map((record) => record.key)).toEqual(['q/a', 'q/b'])
      expect(first.next).toBe('q/b')
      const second = await store.list('q/', { limit: 2, after: first.next! })
      expect(second.records.map((record) => record.key)).toEqual(['q/c', 'q/d'])
      const last = await store.list('q/', { limit: 2, after: second.next! })
      expect(last.records.map((record) => record.key)).toEqual(['q/e'])
      expect(last.next).toBeNull()
    })

    it('`after` need not be a key that exists', async () => {
      await write(['q/10', 'q/20', 'q/30'])
      expect((await store.list('q/', { after: 'q/15' })).records.map((record) => record.key)).toEqual(['q/20', 'q/30'])
    })

    it('reverse lists newest first, and pages the same way', async () => {
      await write(['t/1000', 't/3000', 't/2000', 'u/9000'])
      const first = await store.list('t/', { reverse: true, limit: 2 })
      expect(first.records.map((record) => record.key)).toEqual(['t/3000', 't/2000'])
      expect(first.next).toBe('t/2000')
      const rest = await store.list('t/', { reverse: true, after: first.next! })
      expect(rest.records.map((record) => record.key)).toEqual(['t/1000'])
      expect(rest.next).toBeNull()
    })

    it('a prefix holding _ or % matches only itself', async () => {
      await write(['a_b/1', 'axb/1', 'a%b/1', 'ayyb/1'])
      expect((await store.list('a_b/')).records.map((record) => record.key)).toEqual(['a_b/1'])
      expect((await store.list('a%b/')).records.map((record) => record.key)).toEqual(['a%b/1'])
    })

    it('a deleted key is no longer listed', async () => {
      await write(['pending/4', 'pending/5'])
      await store.delete('pending/4')
      expect((await store.list('pending/')).records.map((record) => record.key)).toEqual(['pending/5'])
    })
  })

  describe('delete', () => {
    it('removes a record; a second delete finds nothing', async () => {
      await store.create('pending/1', { v: 1 })
      expect(await store.delete('pending/1')).toEqual({ deleted: true })
      expect(await store.get('pending/1')).toBeNull()
      expect(await store.delete('pending/1')).toEqual({ deleted: false })
    })

    it('with the current etag removes it; with a stale one leaves it alone', async () => {
      const created = await store.create('pending/2', { v: 1 })
      const stale = created.created ? created.etag : ''
      const replaced = await store.replace('pending/2', { v: 2 }, stale)
      expect(await store.delete('pending/2', stale)).toEqual({ deleted: false })
      expect((await store.get('pending/2'))?.value).toEqual({ v: 2 })
      expect(await store.delete('pending/2', replaced.replaced ? replaced.etag : '')).toEqual({ deleted: true })
      expect(await store.get('pending/2')).toBeNull()
    })

    it('a deleted key can be created again', async () => {
      await store.create('pending/3', { v: 1 })
      await store.delete('pending/3')
      expect(await store.get('pending/3')).toBeNull()
      expect(await store.create('pending/3', { v: 2 })).toMatchObject({ created: true })
    })
  })
}

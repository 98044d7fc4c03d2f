import { beforeEach, describe, expect, it } from 'vitest'

import { hourlyCap } from '../../../src/core/exactly-once/hourly-cap.ts'
import { createMemoryStore } from '../../../src/core/exactly-once/memory-store.ts'
import type { KeyValueStore } from '../../../src/core/exactly-once/store.ts'

let t: number
let store: KeyValueStore
const now = () => t
const at = (hh: number, mm: number, ss = 0, ms = 0) => Date.UTC(2026, 4, 1, hh, mm, ss, ms)

beforeEach(() => {
  t = at(12, 0)
  store = createMemoryStore()
})

async function reserveTimes(cap: ReturnType<typeof hourlyCap>, times: number) {
  const results = []
  for (let i = 0; i < times; i++) results.push(await cap.reserve())
  return results
}

describe('hourlyCap', () => {
  it('grants up to the limit in one clock hour, then refuses', async () => {
    const cap = hourlyCap({ store, limit: 3, now })
    t = at(12, 10)
    expect(await reserveTimes(cap, 3)).toEqual([{ granted: true }, { granted: true }, { granted: true }])
    t = at(12, 45)
    expect(await cap.reserve()).toEqual({ granted: false, retryAfterSeconds: 15 * 60 })
  })

  it('tells a refused caller to retry when the next hour starts, rounding up', async () => {
    const cap = hourlyCap({ store, limit: 1, now })
    await cap.reserve()
    t = at(12, 59, 29, 250)
    expect(await cap.reserve()).toEqual({ granted: false, retryAfterSeconds: 31 })
  })

  it('a new clock hour starts from zero, even one minute after the last grant', async () => {
    const cap = hourlyCap({ store, limit: 2, now })
    t = at(12, 59)
    await reserveTimes(cap, 2)
    expect((await cap.reserve()).granted).toBe(false)
    t = at(13, 0)
    expect(await reserveTimes(cap, 3)).toEqual([{ granted: true }, { granted: true }, { granted: false, retryAfterSeconds: 3600 }])
  })

  it('instances sharing the store share the allowance; another prefix is another allowance', async () => {
    const one = hourlyCap({ store, limit: 2, now })
    const two = hourlyCap({ store, limit: 2, now })
    await one.reserve()
    await two.reserve()
    expect((await one.reserve()).granted).toBe(false)
    expect((await hourlyCap({ store, limit: 2, now, prefix: 'ratelimit/other' }).reserve()).granted).toBe(true)
  })

  it('reserves at once never grant more than the limit', async () => {
    const caps = [hourlyCap({ store, limit: 5, now }), hourlyCap({ store, limit: 5, now })]
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => caps[i % 2]!.reserve()))
    expect(results.filter((result) => result.granted)).toHaveLength(5)
    expect(results.filter((result) => !result.granted)).toHaveLength(7)
  })

  it('gives up with a retryable 503 when every write loses to another instance', async () => {
    const contested: KeyValueStore = {
      get: async <T>() => ({ value: { count: 0 } as T, etag: 'always-stale' }),
      create: async () => ({ created: false }),
      replace: async () => ({ replaced: false }),
      list: async () => ({ records: [], next: null }),
      delete: async () => ({ deleted: false }),
    }
    await expect(hourlyCap({ store: contested, limit: 5, now }).reserve()).rejects.toMatchObject({ status: 503, code: 'store_busy', retryAfter: 1 })
  })
})

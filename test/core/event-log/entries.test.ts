import { describe, expect, it } from 'vitest'
import { count, newEntry, updateEntry } from '../../../src/core/event-log/entries.ts'
import type { LogEntry } from '../../../src/core/event-log/records.ts'
import { createMemoryStore } from '../../../src/core/exactly-once/memory-store.ts'
import type { KeyValueStore } from '../../../src/core/exactly-once/store.ts'

/** The store as another process would see it: every call takes a turn of the event loop, and writes are counted. */
function slowStore(inner: KeyValueStore): KeyValueStore & { writes: () => number } {
  let writes = 0
  const turn = () => new Promise((resolve) => setImmediate(resolve))
  return {
    ...inner,
    writes: () => writes,
    get: async (key) => (await turn(), inner.get(key)),
    create: async (key, value) => (await turn(), writes++, inner.create(key, value)),
    replace: async (key, value, etag) => (await turn(), writes++, inner.replace(key, value, etag)),
  }
}

const delivery = { source: 'stripe', eventId: 'evt_1', eventType: 'checkout.session.completed' }
const oneMore = (entry: LogEntry | null): LogEntry => {
  const base = entry ?? newEntry('id-1', delivery, 1000)
  return { ...base, attempts: base.attempts + 1 }
}

describe('updates of one record from many requests at once', () => {
  it('ten counts at once all land, in two writes instead of one each (and their lost compare-and-swaps)', async () => {
    const store = slowStore(createMemoryStore())
    await Promise.all(Array.from({ length: 10 }, () => count(store, 'stats/2026-11-26', 'stripe', 'duplicate')))

    expect((await store.get('stats/2026-11-26'))?.value).toEqual({ stripe: { duplicate: 10 } })
    expect(store.writes()).toBe(2)
  })

  it('changes to one log entry are applied in arrival order, each once, and every caller hears the entry its write left', async () => {
    const store = slowStore(createMemoryStore())
    const seen: number[] = []
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        updateEntry(store, 'id-1', (current) => {
          seen.push(i)
          return oneMore(current)
        }),
      ),
    )

    expect((await store.get<LogEntry>('log/id-1'))?.value.attempts).toBe(5)
    expect(seen).toEqual([0, 1, 2, 3, 4])
    // The first went out alone; the four that came while it was out went together.
    expect(results.map((result) => result.attempts)).toEqual([1, 5, 5, 5, 5])
    expect(store.writes()).toBe(2)
  })

  it('two processes writing the same record still meet the compare-and-swap: no count is lost', async () => {
    const shared = createMemoryStore()
    const [one, two] = [slowStore(shared), slowStore(shared)]
    await Promise.all(Array.from({ length: 20 }, (_, i) => count(i % 2 ? one : two, 'stats/2026-11-26', 'github', 'invited')))

    expect((await shared.get('stats/2026-11-26'))?.value).toEqual({ github: { invited: 20 } })
  })

  it('a failed write fails every change that rode on it, and the next change starts afresh', async () => {
    const inner = createMemoryStore()
    let failing = true
    let creates = 0
    const store: KeyValueStore = {
      ...inner,
      get: (key) => inner.get(key),
      create: async (key, value) => {
        creates++
        await new Promise((resolve) => setImmediate(resolve))
        if (failing) throw new Error('store down')
        return inner.create(key, value)
      },
    }
    // The first goes out alone; the second and third arrive while it is out and ride on the next write together.
    const first = Promise.allSettled([1, 2, 3].map(() => count(store, 'stats/d', 'stripe', 'invited')))
    expect((await first).map((settled) => settled.status)).toEqual(['rejected', 'rejected', 'rejected'])
    expect(creates).toBe(2)

    failing = false
    await count(store, 'stats/d', 'stripe', 'invited')
    expect((await store.get('stats/d'))?.value).toEqual({ stripe: { invited: 1 } })
  })
})

import type { KeyValueStore } from './store.ts'

// Each turn means another delivery counted between our read and write.
const MAX_TURNS = 10

/**
 * Counts an outcome worth a look (a revoke that reached nobody) per sender
 * and UTC day, `tally/<source>/<outcome>/<yyyy-mm-dd>`, for the event log to
 * show. Approximate by design: a delivery retried after counting counts again.
 */
export async function countOutcome(store: KeyValueStore, source: string, outcome: string, now: () => number): Promise<void> {
  const key = `tally/${source}/${outcome}/${new Date(now()).toISOString().slice(0, 10)}`
  for (let turn = 0; turn < MAX_TURNS; turn++) {
    const current = await store.get<{ count: number }>(key)
    const written = current
      ? (await store.replace(key, { count: current.value.count + 1 }, current.etag)).replaced
      : (await store.create(key, { count: 1 })).created
    if (written) return
  }
}

import type { KeyValueStore } from './store.ts'

/** The first time a signed body reached the bridge, and the event id it came under then. */
export interface Arrival {
  at: number
  eventId: string
}

/**
 * Written once per body, before anything can refuse the delivery, so the
 * body keeps its place in line through every retry: GitHub's payloads carry no
 * time, and a join redelivered (or replayed under a new delivery id) after a
 * leave must sort before that leave. The id it first came under is the event's
 * id from then on: the same bytes under another id are the same event.
 */
export async function recordArrival(
  store: KeyValueStore,
  source: string,
  digest: string,
  eventId: string,
  now: () => number,
): Promise<Arrival> {
  const key = `arrival/${source}/${digest}`
  const first: Arrival = { at: now(), eventId }
  if ((await store.create(key, first)).created) return first
  const stored = await store.get<Arrival>(key)
  // Arrival records are never replaced; a missing one means the store lost a write it acknowledged.
  if (!stored) throw new Error(`The store lost arrival record ${key}`)
  return stored.value
}

import { UpstreamError } from '../domain/errors.ts'
import type { KeyValueStore } from './store.ts'

export interface HourlyCapOptions {
  store: KeyValueStore
  /** Most units per clock hour (UTC). */
  limit: number
  now: () => number
  /** Store key prefix; the hour is appended. */
  prefix?: string
}

export type Reservation = { granted: true } | { granted: false; retryAfterSeconds: number }

export interface HourlyCap {
  /** Takes one unit of this hour's allowance, or says when the next hour starts. */
  reserve(): Promise<Reservation>
}

interface Counter {
  count: number
}

const HOUR_MS = 3_600_000
// Every turn means another instance counted between our read and our write. The
// route runs a handful of invites at once, so many turns mean a storm: fail
// this address as retryable rather than spin.
const MAX_TURNS = 20

/**
 * A counter per clock hour in the shared store, so the cap holds however many
 * function instances run: read, then create-if-absent or compare-and-swap, and
 * go round again when someone else wrote first. A unit is never handed back:
 * an identity call that did not end in an invite still asked identity once.
 */
export function hourlyCap(options: HourlyCapOptions): HourlyCap {
  const { store, limit, now } = options
  const prefix = options.prefix ?? 'ratelimit/invites'

  return {
    async reserve() {
      for (let turn = 0; turn < MAX_TURNS; turn++) {
        const at = now()
        // `2026-05-01T12`: the hour is part of the key, so a new hour starts from zero with nothing to reset.
        const key = `${prefix}/${new Date(at).toISOString().slice(0, 13)}`
        const current = await store.get<Counter>(key)
        if (!current) {
          if ((await store.create<Counter>(key, { count: 1 })).created) return { granted: true }
          continue
        }
        if (current.value.count >= limit) {
          return { granted: false, retryAfterSeconds: Math.max(1, Math.ceil((HOUR_MS - (at % HOUR_MS)) / 1000)) }
        }
        if ((await store.replace<Counter>(key, { count: current.value.count + 1 }, current.etag)).replaced) return { granted: true }
      }
      throw new UpstreamError(503, 'store_busy', 'The invite counter is too busy to update; retry shortly', { retryAfter: 1 })
    },
  }
}

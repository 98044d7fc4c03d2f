import type { KeyValueStore } from '../exactly-once/store.ts'
import { countRecords } from './query.ts'
import { dayOf, PREFIX, type DayCounts } from './records.ts'

export interface StatsAnswer {
  days: Array<{ date: string; invited: number; bySource: DayCounts }>
  totals: { bySource: DayCounts; byOutcome: Record<string, number> }
  pending: number
  dead: number
  unverified: DayCounts
}

const DAY_MS = 86_400_000

/** Counts per day for the last `days` days (today included, oldest first), their totals, and what is queued or dead now. */
export async function readStats(store: KeyValueStore, options: { now: number; days: number }): Promise<StatsAnswer> {
  const dates = Array.from({ length: options.days }, (_, i) => dayOf(options.now - (options.days - 1 - i) * DAY_MS))
  const first = dates[0]!
  const [counted, refused, pending, dead] = await Promise.all([
    byDay(store, PREFIX.stats, first),
    byDay(store, PREFIX.unverified, first),
    countRecords(store, PREFIX.pending),
    countRecords(store, PREFIX.dead),
  ])

  const totals: StatsAnswer['totals'] = { bySource: {}, byOutcome: {} }
  const unverified: DayCounts = {}
  const days = dates.map((date) => {
    const bySource = counted.get(date) ?? {}
    let invited = 0
    for (const [source, outcomes] of Object.entries(bySource)) {
      for (const [outcome, n] of Object.entries(outcomes)) {
        add(totals.bySource, source, outcome, n)
        totals.byOutcome[outcome] = (totals.byOutcome[outcome] ?? 0) + n
        if (outcome === 'invited') invited += n
      }
    }
    for (const [source, reasons] of Object.entries(refused.get(date) ?? {})) {
      for (const [reason, n] of Object.entries(reasons)) add(unverified, source, reason, n)
    }
    return { date, invited, bySource }
  })
  return { days, totals, pending, dead, unverified }
}

function add(counts: DayCounts, group: string, name: string, n: number): void {
  counts[group] = { ...counts[group], [name]: (counts[group]?.[name] ?? 0) + n }
}

/** Every day kept (retention keeps them few), from `firstDate` on. */
async function byDay(store: KeyValueStore, prefix: string, firstDate: string): Promise<Map<string, DayCounts>> {
  const found = new Map<string, DayCounts>()
  let after: string | undefined
  do {
    const page = await store.list<DayCounts>(prefix, { limit: 1000, ...(after ? { after } : {}) })
    for (const record of page.records) {
      const date = record.key.slice(prefix.length)
      if (date >= firstDate) found.set(date, record.value)
    }
    after = page.next ?? undefined
  } while (after)
  return found
}

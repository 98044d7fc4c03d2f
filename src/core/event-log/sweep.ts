import { quietly, type EventLogDeps, type Runner } from './context.ts'
import { prune } from './prune.ts'
import { runQueued } from './queue.ts'
import { PREFIX, type QueuedEvent } from './records.ts'

export interface SweepReport {
  /** Queued events run this time. */
  swept: number
  done: number
  /** Still queued after this sweep (tried and failed again, or not due yet). */
  pending: number
  /** Given up on this time. */
  dead: number
}

const PAGE = 100

/**
 * Runs every queued event that is due and not held by another sweeper, until
 * `budgetMs` is spent (what is left waits for the next sweep: a Netlify
 * function has seconds, not minutes), then prunes what is past its
 * retention. One event failing to run, even for a store hiccup, does not
 * stop the others: its lease runs out and a later sweep takes it again.
 */
export async function sweep(deps: EventLogDeps, run: Runner, options: { budgetMs: number }): Promise<SweepReport> {
  const started = deps.now()
  const report: SweepReport = { swept: 0, done: 0, pending: 0, dead: 0 }
  let after: string | undefined
  do {
    const page = await deps.store.list<QueuedEvent>(PREFIX.pending, { limit: PAGE, ...(after ? { after } : {}) })
    for (const record of page.records) {
      const due = record.value.retryAt <= deps.now() && (record.value.leaseUntil ?? 0) <= deps.now()
      if (!due || deps.now() - started >= options.budgetMs) {
        report.pending++
        continue
      }
      let state
      try {
        state = await runQueued(deps, record, run, 'retry')
      } catch (error) {
        await quietly(deps, `sweep ${record.value.id}`, () => Promise.reject(error))
        state = 'pending' as const
      }
      if (state === 'busy') {
        report.pending++
        continue
      }
      report.swept++
      report[state]++
    }
    after = page.next ?? undefined
  } while (after)
  await quietly(deps, 'prune', () => prune(deps))
  return report
}

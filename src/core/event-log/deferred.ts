import type { LogFields } from '../domain/log.ts'
import { errorAnswer } from '../domain/errors.ts'

/** Work run once the answer is out, in this process, that readers can wait for. */
export interface Deferred {
  /** Runs `work` on a later turn of the event loop; a failure is logged, never thrown. */
  run(work: () => Promise<void>): void
  /** Resolves once everything handed to `run` before this call has finished (not what comes after: under steady load it would never end). */
  settled(): Promise<void>
}

/**
 * For a long-lived server (npm start), where nothing has to keep the process
 * alive for work after the answer: the event log records a result on the
 * next turn, so a redelivery's answer does not wait for its history, and
 * whoever reads the log (the admin API, closing the store) waits for
 * `settled()` first, so nobody sees the log behind what was answered.
 */
export function createDeferred(warn: (fields: LogFields) => void): Deferred {
  const running = new Set<Promise<void>>()
  return {
    run(work) {
      const done = new Promise<void>((resolve) => setImmediate(resolve))
        .then(work)
        .catch((error: unknown) => warn({ level: 'error', after: 'answer', ...errorAnswer(error).log }))
        .finally(() => running.delete(done))
      running.add(done)
    },
    async settled() {
      await Promise.all([...running])
    },
  }
}

export interface SweepTimer {
  /** Stops the timer and waits for a sweep in flight, so the store is not closed under it. */
  stop(): Promise<void>
}

/**
 * Runs `sweep` every `everyMs`, never two at once (a slow sweep makes the
 * next tick wait rather than overlap), without keeping the process alive.
 * A failed sweep is reported and the timer goes on: the next one retries.
 */
export function startSweepTimer(options: { everyMs: number; sweep: () => Promise<void>; onError: (error: unknown) => void }): SweepTimer {
  let running: Promise<void> | null = null
  const timer = setInterval(() => {
    if (running) return
    running = options
      .sweep()
      .catch(options.onError)
      .finally(() => (running = null))
  }, options.everyMs)
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}

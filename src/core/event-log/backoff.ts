export interface BackoffSettings {
  firstSeconds: number
  /** No single wait is longer than this. */
  capSeconds?: number
}

// Past a few hours, waiting longer between tries only delays the recovery.
const DEFAULT_CAP_SECONDS = 6 * 3600

/**
 * When the next retry is due: the wait doubles with each retry from
 * `firstSeconds`, plus up to half again at random, so events queued
 * together during an outage do not all come back in the same second. An
 * upstream's Retry-After is a floor, and the last try lands on the
 * deadline rather than after it.
 */
export function nextRetryAt(options: {
  now: number
  /** Retries already made (0 for the first). */
  retries: number
  deadline: number
  settings: BackoffSettings
  retryAfterSeconds?: number
  random?: () => number
}): number {
  const { now, retries, deadline, settings } = options
  const random = options.random ?? Math.random
  const cap = settings.capSeconds ?? DEFAULT_CAP_SECONDS
  const base = Math.min(cap, settings.firstSeconds * 2 ** Math.min(retries, 30))
  const wait = Math.max(base + (random() * base) / 2, options.retryAfterSeconds ?? 0)
  return Math.min(now + Math.ceil(wait * 1000), Math.max(deadline, now))
}

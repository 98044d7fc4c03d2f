import { describe, expect, it } from 'vitest'
import { nextRetryAt } from '../../../src/core/event-log/backoff.ts'

const now = Date.UTC(2026, 10, 26, 9)
const far = now + 3 * 86_400_000
const settings = { firstSeconds: 60 }

describe('nextRetryAt', () => {
  it('waits the first interval, up to half again at random', () => {
    expect(nextRetryAt({ now, retries: 0, deadline: far, settings, random: () => 0 })).toBe(now + 60_000)
    expect(nextRetryAt({ now, retries: 0, deadline: far, settings, random: () => 0.999_999 })).toBe(now + 90_000)
  })

  it('doubles with each retry, up to the cap', () => {
    const waits = [0, 1, 2, 3].map((retries) => nextRetryAt({ now, retries, deadline: far, settings, random: () => 0 }) - now)
    expect(waits).toEqual([60_000, 120_000, 240_000, 480_000])
    expect(nextRetryAt({ now, retries: 40, deadline: far, settings: { firstSeconds: 60, capSeconds: 3600 }, random: () => 0 })).toBe(now + 3_600_000)
  })

  it("takes an upstream's Retry-After as a floor", () => {
    expect(nextRetryAt({ now, retries: 0, deadline: far, settings, retryAfterSeconds: 600, random: () => 0 })).toBe(now + 600_000)
    expect(nextRetryAt({ now, retries: 0, deadline: far, settings, retryAfterSeconds: 5, random: () => 0 })).toBe(now + 60_000)
  })

  it('makes the last try on the deadline rather than after it', () => {
    expect(nextRetryAt({ now, retries: 5, deadline: now + 10_000, settings, random: () => 0 })).toBe(now + 10_000)
    expect(nextRetryAt({ now, retries: 0, deadline: now - 1, settings, random: () => 0 })).toBe(now)
  })
})

import { describe, expect, it } from 'vitest'
import { parseSince } from '../../../src/core/event-log/since.ts'

const now = Date.UTC(2026, 10, 26, 12)

describe('parseSince', () => {
  it.each([
    ['30m', now - 30 * 60_000],
    ['24h', now - 86_400_000],
    ['7d', now - 7 * 86_400_000],
    ['2026-11-25', Date.UTC(2026, 10, 25)],
    ['2026-11-25T09:30:00Z', Date.UTC(2026, 10, 25, 9, 30)],
    ['2026-11-25T09:30:00+01:00', Date.UTC(2026, 10, 25, 8, 30)],
  ])('%s', (value, expected) => {
    expect(parseSince(value, now)).toBe(expected)
  })

  it.each(['yesterday', '1', '7w', '', '2026-13-45'])('refuses %j', (value) => {
    expect(parseSince(value, now)).toBeNull()
  })
})

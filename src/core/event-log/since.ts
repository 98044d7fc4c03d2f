const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 }
const RELATIVE = /^(\d{1,6})([mhd])$/

/** `24h`, `7d`, `30m` (before now) or an ISO time, as ms; null when it is neither. */
export function parseSince(value: string, now: number): number | null {
  const relative = RELATIVE.exec(value.trim())
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]!]!
  // Only ISO forms: Date.parse would also take "Tuesday" or "1".
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) return null
  const ms = Date.parse(value.trim())
  return Number.isNaN(ms) ? null : ms
}

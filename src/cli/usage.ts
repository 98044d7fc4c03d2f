/** Where a command writes; tests pass their own. */
export interface CommandIO {
  out(line: string): void
  err(line: string): void
  /** Present only when stderr is a terminal: redraws one status line in place; null clears it. */
  progress?: (line: string | null) => void
}

/** Bad arguments: one line on stderr and exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new UsageError(`${flag} must be a whole number of at least 1, got "${value}"`)
  return parsed
}

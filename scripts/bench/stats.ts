export interface Summary {
  median: number
  min: number
  max: number
  samples: number
}

export function summarise(values: number[]): Summary {
  if (values.length === 0) throw new Error('no samples to summarise')
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length / 2
  // An even count has two middles: their mean, so two samples do not report the smaller as the median.
  const median = Number.isInteger(middle) ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[Math.floor(middle)]!
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, samples: sorted.length }
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!
}

/**
 * Runs each variant once per iteration, starting one place further along the
 * list each time (A B C, B C A, C A B…), so drift on the machine (a warming
 * CPU, a neighbour's burst) lands on every variant alike and none always
 * goes first.
 */
export async function alternate<K extends string, T>(
  variants: Record<K, () => Promise<T>>,
  iterations: number,
  onIteration?: (done: number) => void,
): Promise<Record<K, T[]>> {
  const names = Object.keys(variants) as K[]
  const results = Object.fromEntries(names.map((name) => [name, [] as T[]])) as Record<K, T[]>
  for (let i = 0; i < iterations; i++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length]!
      results[name].push(await variants[name]())
    }
    onIteration?.(i + 1)
  }
  return results
}

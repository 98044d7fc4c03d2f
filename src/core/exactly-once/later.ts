/**
 * Writes that only record an outcome already decided and confirmed (a
 * person's "done" after identity answered, the ledger link to the account it
 * made), gathered instead of awaited so that whoever gathered them decides
 * when they run: before the answer, or after it where the runtime keeps the
 * function alive for them (Netlify's `context.waitUntil`). Whatever they
 * record, a crash before they land leaves a claim pending, which a retry
 * finds busy until its lease runs out: the same as a crash just after
 * identity answered.
 */
export interface Later {
  push(write: () => Promise<void>): unknown
}

/** Runs every gathered write at once; rejects with the first failure once all have settled. */
export async function runLater(later: ReadonlyArray<() => Promise<void>>): Promise<void> {
  const settled = await Promise.allSettled(later.map((write) => write()))
  const failed = settled.find((outcome) => outcome.status === 'rejected')
  if (failed) throw failed.reason
}

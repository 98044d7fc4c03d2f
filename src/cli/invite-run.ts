import type { CommandIO } from './usage.ts'

/** One address to invite, with the metadata its user should get. */
export interface Invitee {
  email: string
  data?: Record<string, unknown>
}

/** Where an address ended up; `done` is false when running the command again could still change it. */
export interface AddressLine {
  email: string
  outcome: string
  reason?: string
  done: boolean
}

export interface RunInvitesOptions {
  url: string
  authorization: string
  batchSize: number
  concurrency: number
  /** Extra rounds for addresses left not done when a round finished none of them. */
  retries: number
  io: CommandIO
  /** First wait before a retry round; doubles each round that finished nothing. */
  backoffMs?: number
  /** How a wait between rounds is spent (tests pass one that records it). */
  sleep?: (ms: number) => Promise<void>
}

interface ServerResult {
  email: string
  outcome: string
  reason?: string
  retryable?: boolean
  retryAfterSeconds?: number
}

type BatchAnswer =
  | { kind: 'results'; status: number; results: ServerResult[] }
  | { kind: 'too_large' }
  /** 400/401/403: the same request will be refused again, so nothing more is sent. */
  | { kind: 'refused'; message: string }
  | { kind: 'retry'; message: string; retryAfterSeconds?: number }

// Our own backoff stops growing here.
const MAX_WAIT_MS = 10_000
// The bridge's own Retry-After is honoured up to this: an address whose invite timed out is held for the
// bridge's lease (60 s by default), and asking again sooner only comes back in_progress.
const MAX_HINTED_WAIT_MS = 120_000

/**
 * Sends the list in batches (one data object per request), a few at once, and
 * sends what is left not done again while rounds make progress, then
 * `retries` more times with a backoff. Safe to repeat: the bridge de-duplicates.
 */
export async function runInvites(invitees: Invitee[], options: RunInvitesOptions): Promise<AddressLine[]> {
  const lines = new Map<Invitee, AddressLine>()
  let pending = invitees
  let batchSize = options.batchSize
  let stalls = 0
  let refused: string | undefined
  const progress = progressReporter(invitees.length, options.io)

  for (let round = 0; pending.length > 0; round++) {
    const queue = batches(pending, batchSize)
    const left: Invitee[] = []
    let waitHintMs = 0
    const worker = async () => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) {
        if (refused) {
          batch.forEach((invitee) => lines.set(invitee, { email: invitee.email, outcome: 'not_sent', reason: refused, done: false }))
          continue
        }
        const answer = await post(options, batch)
        if (answer.kind === 'too_large' && batch.length > 1) {
          // The bridge's INVITE_MAX_BATCH is lower than --batch-size: halve until it fits.
          batchSize = Math.min(batchSize, Math.ceil(batch.length / 2))
          queue.push(batch.slice(0, batchSize), batch.slice(batchSize))
          continue
        }
        if (answer.kind === 'results') {
          answer.results.forEach((result, i) => {
            const invitee = batch[i]!
            // Over the hourly cap (rejected, retryable) only time fixes, often an hour: not done, and not retried in this run.
            const overCap = result.outcome === 'rejected' && result.retryable === true
            lines.set(invitee, { email: result.email, outcome: result.outcome, ...(result.reason ? { reason: result.reason } : {}), done: !result.retryable })
            if (result.retryable && !overCap) {
              left.push(invitee)
              waitHintMs = Math.max(waitHintMs, (result.retryAfterSeconds ?? 0) * 1000)
            }
          })
        } else {
          if (answer.kind === 'refused') refused = answer.message
          const message = answer.kind === 'too_large' ? 'the bridge refused even one address as too many' : answer.message
          batch.forEach((invitee) => lines.set(invitee, { email: invitee.email, outcome: 'not_sent', reason: message, done: false }))
          if (answer.kind === 'retry') {
            left.push(...batch)
            waitHintMs = Math.max(waitHintMs, (answer.retryAfterSeconds ?? 0) * 1000)
          }
        }
        progress.update(lines, round)
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, queue.length)) }, worker))

    const progressed = left.length < pending.length
    stalls = progressed ? 0 : stalls + 1
    if (refused || left.length === 0 || stalls > options.retries) break
    pending = left
    const backoffMs = progressed ? 0 : (options.backoffMs ?? 500) * 2 ** (stalls - 1)
    await (options.sleep ?? sleep)(Math.max(Math.min(MAX_WAIT_MS, backoffMs), Math.min(MAX_HINTED_WAIT_MS, waitHintMs)))
  }
  progress.finish()
  return invitees.map((invitee) => lines.get(invitee)!)
}

/** Keeps the order of the list, and keeps each request to one `data` (the API takes one per request). */
function batches(invitees: Invitee[], size: number): Invitee[][] {
  const groups = new Map<string, Invitee[]>()
  for (const invitee of invitees) {
    const key = JSON.stringify(invitee.data ?? null)
    const group = groups.get(key)
    if (group) group.push(invitee)
    else groups.set(key, [invitee])
  }
  const out: Invitee[][] = []
  for (const group of groups.values()) for (let i = 0; i < group.length; i += size) out.push(group.slice(i, i + size))
  return out
}

async function post(options: RunInvitesOptions, batch: Invitee[]): Promise<BatchAnswer> {
  const data = batch[0]?.data
  let response: Response
  try {
    response = await fetch(`${options.url}/invites`, {
      method: 'POST',
      headers: { authorization: options.authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ emails: batch.map((invitee) => invitee.email), ...(data ? { data } : {}) }),
      signal: AbortSignal.timeout(60_000),
    })
  } catch (error) {
    return { kind: 'retry', message: `could not reach ${options.url}: ${(error as Error).message}` }
  }
  const body = (await response.json().catch(() => null)) as { results?: ServerResult[]; error?: { code: string; message: string } } | null
  if (Array.isArray(body?.results) && body.results.length === batch.length) return { kind: 'results', status: response.status, results: body.results }
  const message = body?.error ? `${response.status} ${body.error.code}: ${body.error.message}` : `${response.status} ${response.statusText || 'unexpected answer'}`
  if (response.status === 413) return { kind: 'too_large' }
  if (response.status === 400 || response.status === 401 || response.status === 403 || response.status === 404) return { kind: 'refused', message }
  const retryAfter = Number(response.headers.get('retry-after'))
  return { kind: 'retry', message, ...(retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}) }
}

/** A bar on a terminal (io.progress), one plain line per batch otherwise. */
function progressReporter(total: number, io: CommandIO) {
  const counts = (lines: Map<Invitee, AddressLine>) => {
    const tally = new Map<string, number>()
    for (const line of lines.values()) tally.set(line.outcome, (tally.get(line.outcome) ?? 0) + 1)
    return [...tally].map(([outcome, n]) => `${n} ${outcome}`).join(', ')
  }
  return {
    update(lines: Map<Invitee, AddressLine>, round: number) {
      const finished = [...lines.values()].filter((line) => line.done).length
      const text = `${finished}/${total} done${round ? ` (retry ${round})` : ''}: ${counts(lines)}`
      if (!io.progress) return io.err(text)
      const width = 24
      const filled = total ? Math.round((finished / total) * width) : width
      io.progress(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`)
    },
    finish() {
      io.progress?.(null)
    },
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

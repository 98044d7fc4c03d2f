import { randomUUID } from 'node:crypto'
import type { KeyValueStore, StoredRecord } from './store.ts'

/**
 * A claim is how exactly-once is kept across retries, concurrent deliveries
 * and crashes. Whoever creates the record (atomically) does the work; a
 * record whose lease ran out (its holder crashed) or that was released (its
 * holder failed cleanly) is taken over with a compare-and-swap, so only one
 * attempt can win it. "done" is written only after the work succeeded.
 */
export type ClaimRecord = (
  /** `holder`: a token of the attempt that wrote it, so that attempt knows its own write (below). */
  | { state: 'pending'; leaseUntil: number; holder?: string }
  | { state: 'released'; at: number }
  | { state: 'done'; outcome: string; at: number }
) & {
  /** When this key was first claimed; kept through takeovers and releases (absent in older records). */
  firstSeen?: number
  /**
   * sha256 of the signed body the claim was first taken for, kept through
   * takeovers and releases. Absent for claims tied to no body (person, lock)
   * and in records written before bodies were bound: those are honoured as before.
   */
  digest?: string
  /**
   * A holder gave the claim back without knowing whether its work happened
   * (identity timed out, or answered 5xx after saving): kept through
   * releases until the work is done, so the next holder looks before doing
   * it again.
   */
  unsure?: true
}

export type ClaimAttempt =
  | { kind: 'claimed'; claim: Claim }
  | { kind: 'done'; outcome: string }
  /** Someone else holds a live lease: answer "try later". */
  | { kind: 'busy'; retryAfterSeconds: number }

export type EventClaimRaw =
  | ClaimAttempt
  /** The key was first claimed for another body: whatever this one is, it is not that event. */
  | { kind: 'mismatch' }
  /** `seenBefore` said to leave a claim that was taken before alone. */
  | { kind: 'withheld' }

/** What an event's claim lets its caller see and say (the event log, which names events by their first arrival). */
export interface ClaimWatch {
  /** Told when the record was there already, with when the key was first claimed (absent in records older than that field). */
  found?: (firstSeen: number | undefined) => void
  /**
   * Asked once when the key was claimed before and is not done (it is about
   * to be taken over, or another attempt holds it): false leaves the record
   * alone and the attempt is `withheld`.
   */
  seenBefore?: (firstSeen: number | undefined) => Promise<boolean>
}

export interface Claim {
  /** When the key was first claimed, by any attempt: for an event, the first time it was delivered. */
  readonly firstSeen: number
  /** Nobody had claimed the key before: this attempt created its record. */
  readonly fresh: boolean
  /** An earlier holder released it unsure whether its work happened: look before doing it again. */
  readonly unsure: boolean
  /** Records the work as finished; later attempts see `done`. */
  complete(outcome: string): Promise<void>
  /**
   * Gives the claim back after a failure so the next retry can take it at
   * once; `unsure` when the work may have happened anyway (the next holder
   * looks first). `inFlight`: it may be happening still (identity timed out,
   * or the connection dropped mid-request, and it may yet save what it was
   * asked), so the claim stays held for another lease, as after a crash, and
   * is then taken over as unsure: a look-up before that request could land
   * would find nothing, and ask again.
   */
  release(options?: { unsure?: boolean; inFlight?: boolean }): Promise<void>
}

export interface ClaimOptions {
  store: KeyValueStore
  now: () => number
  leaseMs: number
  /** A takeover of a lease that ran out is unsure (see Claim.unsure): for claims whose work leaves traces elsewhere (an invite). */
  lapseIsUnsure?: boolean
}

// Each loop turn means another writer changed the record between our read and
// write; a handful of turns only happens under a storm, and then "busy" is right.
const MAX_TURNS = 5

export async function tryClaim(key: string, options: ClaimOptions): Promise<ClaimAttempt> {
  // Without a digest nothing can mismatch.
  return (await tryClaimEvent(key, undefined, options)) as ClaimAttempt
}

/**
 * An event's claim, watched (see ClaimWatch). With a digest it stands for
 * one signed body: the first claim records the digest, and a claim for
 * another body under the same key is a `mismatch`, whatever state the
 * record is in, so it neither does the work nor marks it done (a record
 * without a digest is honoured as before). `known`: the record as the
 * caller just read it, which the first turn uses instead of a create that
 * would fail and a second read.
 */
export async function tryClaimEvent(
  key: string,
  digest: string | undefined,
  options: ClaimOptions,
  watch: ClaimWatch = {},
  known?: StoredRecord<ClaimRecord>,
): Promise<EventClaimRaw> {
  const { store, now, leaseMs } = options
  /*
   * A store's client may resend a conditional write whose answer was lost
   * (@netlify/blobs retries a PUT after a network error or a 5xx); if the
   * first one landed, the resend is refused, and the record it finds is our
   * own. The token tells: without it this attempt would call its own claim
   * "busy" and leave it to lapse a lease later. What it holds is then read
   * from that record; it is fresh unless this attempt was taking it over.
   */
  const holder = randomUUID()
  let tookOver = false
  const pending = (firstSeen: number, bound: string | undefined): ClaimRecord => ({
    state: 'pending',
    leaseUntil: now() + leaseMs,
    holder,
    firstSeen,
    ...(bound ? { digest: bound } : {}),
  })

  let asked = false
  for (let turn = 0; turn < MAX_TURNS; turn++) {
    let current = turn === 0 ? known : undefined
    if (!current) {
      const firstSeen = now()
      const created = await store.create<ClaimRecord>(key, pending(firstSeen, digest))
      if (created.created) return { kind: 'claimed', claim: heldClaim(key, created.etag, { firstSeen, digest, fresh: true, unsure: false }, options) }
      current = (await store.get<ClaimRecord>(key)) ?? undefined
      if (!current) continue
    }
    const record = current.value
    if (record.state === 'pending' && record.holder === holder) {
      const mine = { firstSeen: record.firstSeen ?? now(), digest: record.digest ?? digest, fresh: !tookOver, unsure: record.unsure === true }
      return { kind: 'claimed', claim: heldClaim(key, current.etag, mine, options) }
    }
    if (digest && record.digest && record.digest !== digest) return { kind: 'mismatch' }
    if (!asked) watch.found?.(record.firstSeen)
    if (record.state === 'done') return { kind: 'done', outcome: record.outcome }
    if (watch.seenBefore && !asked) {
      asked = true
      // What was read before asking may be stale by now: harmless, since a takeover is a compare-and-swap.
      if (!(await watch.seenBefore(record.firstSeen))) return { kind: 'withheld' }
    }
    if (record.state === 'pending' && record.leaseUntil > now()) {
      return { kind: 'busy', retryAfterSeconds: Math.max(1, Math.ceil((record.leaseUntil - now()) / 1000)) }
    }
    // A lease that ran out is a holder that stopped mid-work (a crash): whether its work happened is as unknown as after a timeout.
    const lapsed = options.lapseIsUnsure === true && record.state === 'pending'
    const kept = { firstSeen: record.firstSeen ?? now(), digest: record.digest ?? digest, fresh: false, unsure: record.unsure === true || lapsed }
    tookOver = true
    const taken = await store.replace<ClaimRecord>(key, { ...pending(kept.firstSeen, kept.digest), ...(kept.unsure ? { unsure: true as const } : {}) }, current.etag)
    if (taken.replaced) return { kind: 'claimed', claim: heldClaim(key, taken.etag, kept, options) }
  }
  return { kind: 'busy', retryAfterSeconds: 1 }
}

/**
 * Records that a key was reached but its work failed before it could be
 * claimed (the event log may have queued it meanwhile): the record is left
 * `released`, so the next attempt takes it over as any released claim and
 * asks `seenBefore` first, instead of finding no record and running as a
 * first arrival. Does nothing where a record exists.
 */
export async function markUnclaimed(key: string, digest: string | undefined, options: ClaimOptions): Promise<void> {
  const at = options.now()
  await options.store.create<ClaimRecord>(key, { state: 'released', at, firstSeen: at, ...(digest ? { digest } : {}) })
}

function heldClaim(
  key: string,
  etag: string,
  kept: { firstSeen: number; digest: string | undefined; fresh: boolean; unsure: boolean },
  { store, now, leaseMs }: ClaimOptions,
): Claim {
  const { firstSeen, digest, fresh, unsure } = kept
  const bound = digest ? { digest } : {}
  return {
    firstSeen,
    fresh,
    unsure,
    async complete(outcome) {
      const done: ClaimRecord = { state: 'done', outcome, at: now(), firstSeen, ...bound }
      if ((await store.replace(key, done, etag)).replaced) return
      // Our lease ran out and another attempt took the record over. The work
      // did happen, so "done" is still the truth: write it over whatever is there.
      for (let turn = 0; turn < MAX_TURNS; turn++) {
        const current = await store.get<ClaimRecord>(key)
        if (!current || current.value.state === 'done') return
        if ((await store.replace(key, done, current.etag)).replaced) return
      }
    },
    async release(options = {}) {
      // Losing either write means someone already took the claim over: nothing to give back.
      if (options.inFlight) {
        await store.replace<ClaimRecord>(key, { state: 'pending', leaseUntil: now() + leaseMs, firstSeen, ...bound, unsure: true }, etag)
        return
      }
      // Doubt an earlier holder left stays until the work is done.
      const doubt = options.unsure || unsure ? { unsure: true as const } : {}
      await store.replace<ClaimRecord>(key, { state: 'released', at: now(), firstSeen, ...bound, ...doubt }, etag)
    },
  }
}

/**
 * tryClaim, but a live lease held by someone else is waited out for up to
 * `waitMs` (with growing pauses) before answering busy. For callers whose
 * provider may never retry (GitHub), a short wait turns "409, lost" into
 * "done a moment later".
 */
export async function claimWaiting(
  key: string,
  options: ClaimOptions & { waitMs: number; sleep?: (ms: number) => Promise<void> },
): Promise<ClaimAttempt> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  // Counts the time slept rather than reading the clock, so an injected frozen clock cannot make it wait forever.
  let waited = 0
  let pause = 25
  for (;;) {
    const attempt = await tryClaim(key, options)
    if (attempt.kind !== 'busy' || waited + pause > options.waitMs) return attempt
    await sleep(pause)
    waited += pause
    pause = Math.min(pause * 2, 400)
  }
}

import type { Delivery } from '../domain/delivery.ts'
import { maskEmail, normaliseEmail, personId } from '../domain/email.ts'
import { quietly, type EventLogDeps, type Ran } from './context.ts'
import { count, newEntry, updateEntry } from './entries.ts'
import { dayOf, keys, type ErrorSummary, type LogEntry, type PersonEntry } from './records.ts'

export type How = 'arrival' | 'retry' | 'replay'

type EventRef = {
  id: string
  firstSeen: number
  delivery: Pick<Delivery, 'source' | 'eventId' | 'eventType'>
  /** The event's first arrival: its entry does not exist yet. */
  first?: boolean
}

/** The entry after one more attempt of any kind. */
function attempted(entry: LogEntry | null, ref: EventRef, now: number, how: How): LogEntry {
  const base = entry ?? newEntry(ref.id, ref.delivery, ref.firstSeen)
  return { ...base, lastSeen: now, attempts: base.attempts + 1, ...(how === 'replay' ? { replays: (base.replays ?? 0) + 1 } : {}) }
}

function settled(entry: LogEntry): LogEntry {
  const { error: _error, retryAt: _retryAt, deadAt: _deadAt, ...rest } = entry
  return rest
}

/**
 * What the pipeline did with the event: the entry is done (a redelivery
 * answered `duplicate` keeps the outcome that did the work), the day's
 * count grows, and a person reached for the first time is indexed. Never
 * throws: the work is done, whatever the log says.
 */
export async function recordResult(deps: EventLogDeps, ref: EventRef, ran: Ran, how: How): Promise<{ wasDead: boolean }> {
  const { result } = ran
  const now = deps.now()
  let wasDead = false
  const log = quietly(deps, 'log', async () => {
    await updateEntry(
      deps.store,
      ref.id,
      (current) => {
        wasDead = current?.status === 'dead'
        const next = attempted(current, ref, now, how)
        if (result.outcome === 'in_progress') return current ? next : { ...next, outcome: 'in_progress' }
        if (current?.status === 'done' && result.outcome === 'duplicate') return next
        return {
          ...settled(next),
          status: 'done',
          outcome: result.outcome,
          ...(result.email ? { email: result.email } : {}),
          ...(result.plan ? { rules: result.plan.rules } : {}),
          ...(result.roles ? { roles: result.roles } : {}),
        }
      },
      { likelyNew: ref.first === true },
    )
  })
  // Separate records: written side by side, so the answer waits for one round trip of each, not their sum.
  const stats = quietly(deps, 'stats', () => count(deps.store, keys.stats(dayOf(now)), ref.delivery.source, result.outcome))
  const address = ran.person
  const person =
    address && (result.outcome === 'invited' || result.outcome === 'already_registered' || result.outcome === 'roles_updated')
      ? quietly(deps, 'people', async () => {
          const entry: PersonEntry = { id: ref.id, source: ref.delivery.source, eventId: ref.delivery.eventId, outcome: result.outcome, at: now }
          await deps.store.create(keys.person(personId(address, await deps.hashKey())), entry)
        })
      : undefined
  await Promise.all([log, stats, person])
  return { wasDead: wasDead && result.outcome !== 'in_progress' }
}

/** The event waits for the bridge's next retry. */
export async function recordQueued(deps: EventLogDeps, ref: EventRef, state: { retryAt: number; error: ErrorSummary; email?: string }, how: How): Promise<void> {
  const now = deps.now()
  await Promise.all([
    quietly(deps, 'log', () =>
      updateEntry(
        deps.store,
        ref.id,
        (current) => ({
          ...attempted(current, ref, now, how),
          status: 'pending',
          outcome: 'queued',
          error: state.error,
          retryAt: state.retryAt,
          ...(state.email ? { email: state.email } : {}),
        }),
        { likelyNew: ref.first === true },
      ),
    ),
    quietly(deps, 'stats', () => count(deps.store, keys.stats(dayOf(now)), ref.delivery.source, 'queued')),
  ])
}

/** The bridge gave up on the event: it stays visible, and its delivery is kept for a replay. */
export async function recordDead(deps: EventLogDeps, ref: EventRef, error: ErrorSummary, how: How): Promise<void> {
  const now = deps.now()
  // Separate records: written side by side, as recordResult does.
  await Promise.all([
    quietly(deps, 'log', () =>
      updateEntry(deps.store, ref.id, (current) => {
        // The status says it all: an outcome left from the last try ("queued") would say otherwise.
        const { retryAt: _retryAt, outcome: _outcome, ...next } = attempted(current, ref, now, how)
        return { ...next, status: 'dead', error, deadAt: now }
      }),
    ),
    quietly(deps, 'stats', () => count(deps.store, keys.stats(dayOf(now)), ref.delivery.source, 'dead')),
  ])
}

/** A redelivery of an event that is already queued: counted, nothing else. */
export async function recordWaiting(deps: EventLogDeps, ref: EventRef): Promise<void> {
  const now = deps.now()
  await Promise.all([
    quietly(deps, 'log', () => updateEntry(deps.store, ref.id, (current) => attempted(current, ref, now, 'arrival'))),
    quietly(deps, 'stats', () => count(deps.store, keys.stats(dayOf(now)), ref.delivery.source, 'queued')),
  ])
}

/** The masked address a queued delivery names, when it names one directly. */
export function maskedRecipient(delivery: Delivery): string | undefined {
  if (delivery.recipient?.kind !== 'email') return undefined
  const email = normaliseEmail(delivery.recipient.email)
  return email ? maskEmail(email) : undefined
}

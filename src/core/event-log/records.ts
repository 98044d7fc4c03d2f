import { createHash } from 'node:crypto'
import type { Outcome } from '../domain/delivery.ts'

/**
 * What the event log keeps, and under which keys. No key holds an address
 * (people are keyed by the same keyed hash as their claims); values hold
 * masked addresses only, and a queued delivery is kept sealed (seal.ts).
 */
export type EventStatus = 'pending' | 'done' | 'dead'
export type LoggedOutcome = Outcome | 'queued'

export interface ErrorSummary {
  code: string
  message: string
}

/** `log/<id>`: one per verified delivery, updated on each arrival, retry and replay. */
export interface LogEntry {
  id: string
  source: string
  /** The sender's own id for the event. */
  eventId: string
  type: string
  status: EventStatus
  outcome?: LoggedOutcome
  /** ms */
  firstSeen: number
  lastSeen: number
  /** Deliveries by the sender, retries by the bridge and replays, together. */
  attempts: number
  /** Masked (`a***@example.com`). */
  email?: string
  rules?: number[]
  roles?: { granted: string[]; revoked: string[] }
  error?: ErrorSummary
  retryAt?: number
  deadAt?: number
  replays?: number
}

/** `pending/<id>` while the bridge retries the event, `dead/<id>` once it gave up: what running it again needs. */
export interface QueuedEvent {
  id: string
  source: string
  eventId: string
  type: string
  firstSeen: number
  /** When the next retry is due (ms). */
  retryAt: number
  /** After this (ms), a failure makes the event dead instead of retrying it. */
  deadline: number
  /** Retries made so far by the bridge. */
  retries: number
  /** A sweeper holding the event until then (ms) runs it; nobody else does. */
  leaseUntil?: number
  /** The mapped delivery, sealed (AES-256-GCM): it holds the person's address. */
  delivery: string
  /** The digest of the body the sender signed, when the pipeline binds claims to it. */
  bodyDigest?: string
  error?: ErrorSummary
}

/** `people/<person id>`: which event first reached a person, for GET /invite-bridge/api/people. */
export interface PersonEntry {
  id: string
  source: string
  eventId: string
  outcome: Outcome
  at: number
}

/** `stats/<YYYY-MM-DD>`: answers per sender and outcome that day; `unverified/<day>`: refusals per sender and reason. */
export type DayCounts = Record<string, Record<string, number>>

export const keys = {
  log: (id: string) => `log/${id}`,
  index: (source: string, eventId: string) => `log-index/${source}/${encodeURIComponent(eventId)}`,
  pending: (id: string) => `pending/${id}`,
  dead: (id: string) => `dead/${id}`,
  person: (personId: string) => `people/${personId}`,
  stats: (day: string) => `stats/${day}`,
  unverified: (day: string) => `unverified/${day}`,
} as const

/**
 * Records of what happened, not of what must happen once: losing the last
 * of them to a power cut loses a line of history, never an invite. A store
 * may commit them without waiting for the disk (see the SQLite store).
 * Pending and dead events are not among them: those are work still owed.
 */
export const RECORD_ONLY_PREFIXES = ['log/', 'log-index/', 'stats/', 'unverified/', 'people/'] as const

export const PREFIX = { log: 'log/', pending: 'pending/', dead: 'dead/', stats: 'stats/', unverified: 'unverified/' } as const

const TIME_DIGITS = 13
const HASH_CHARS = 12
const ID_SHAPE = /^(\d{13})-(.+)-([0-9a-f]{12})$/

/**
 * `<13-digit first arrival ms>-<source>-<12 hex of sha256(source:eventId)>`:
 * sorts by first arrival, says where it came from, and holds nothing the
 * sender did not already make public.
 */
export function eventLogId(source: string, eventId: string, firstSeen: number): string {
  const hash = createHash('sha256').update(`${source}:${eventId}`).digest('hex').slice(0, HASH_CHARS)
  return `${String(Math.max(0, Math.floor(firstSeen))).padStart(TIME_DIGITS, '0')}-${source}-${hash}`
}

/** The parts of a bridge id, or null when it is not one. */
export function parseEventLogId(id: string): { firstSeen: number; source: string } | null {
  const match = ID_SHAPE.exec(id)
  return match ? { firstSeen: Number(match[1]), source: match[2]! } : null
}

/** The id part of a `log/`, `pending/` or `dead/` key. */
export function idOfKey(key: string): string {
  return key.slice(key.indexOf('/') + 1)
}

/** `2026-11-26` (UTC) */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

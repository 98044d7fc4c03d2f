import type { Context, Hono } from 'hono'
import { middleware } from './middleware.ts'
import type { EventLog } from '../../core/event-log/event-log.ts'
import { lookUpPerson } from '../../core/event-log/people.ts'
import { findEvent, listEvents } from '../../core/event-log/query.ts'
import { parseEventLogId, type EventStatus, type LogEntry } from '../../core/event-log/records.ts'
import { pipelineRunner } from '../../core/event-log/runner.ts'
import { parseSince } from '../../core/event-log/since.ts'
import { readStats } from '../../core/event-log/stats.ts'
import { BadRequestError, BridgeError } from '../../core/domain/errors.ts'
import type { IdentityClient } from '../../core/domain/identity.ts'
import type { Logger } from '../../core/domain/log.ts'
import type { PipelineDeps } from '../../core/pipeline/process.ts'
import { matchingKey, requireInviter, type InviterEnv, type RequireInviterOptions } from './caller.ts'
import { logRequest } from './request-log.ts'

export const ADMIN_API = '/invite-bridge/api'

export interface AdminApiOptions {
  eventLog: EventLog
  pipeline: (c: Context) => PipelineDeps
  identity: (c: Context) => IdentityClient
  /** Who may call: the same guard as POST /invites. */
  inviter: RequireInviterOptions
  hashKey: () => Promise<string>
  /** The secret the scheduled sweep (and `npm start`'s timer) proves itself with. */
  sweepSecret: () => Promise<string>
  log: Logger
  now: () => number
  /** How long one sweep may run before it leaves the rest to the next (a function has seconds). */
  sweepBudgetMs?: number
}

/** The header the scheduled sweep sends its secret in. */
export const SWEEP_HEADER = 'x-invite-bridge-sweep'

/**
 * Asks a bridge to sweep, proved by the site's sweep secret: how the
 * scheduled function (over the site's URL) and `npm start`'s timer (in
 * process, `app.request`) run the bridge's own retries, through one route.
 */
export function requestSweep(
  send: (url: string, init: RequestInit) => Response | Promise<Response>,
  options: { secret: string; base?: string; signal?: AbortSignal },
): Promise<Response> {
  const base = (options.base ?? '').replace(/\/+$/, '')
  return Promise.resolve(
    send(`${base}${ADMIN_API}/sweep`, { method: 'POST', headers: { [SWEEP_HEADER]: options.secret }, ...(options.signal ? { signal: options.signal } : {}) }),
  )
}
const STATUSES: readonly EventStatus[] = ['pending', 'dead', 'done']

/**
 * The admin API: the event log, counts, replays and people, for the same
 * callers as POST /invites (an INVITE_API_KEYS key, or a site user whose
 * current roles hold INVITE_ADMIN_ROLE). Under /invite-bridge/api/, not
 * /admin/, which Decap CMS sites already use. No answer holds a plain
 * address: the log keeps masked ones only, and a person is looked up by hash.
 */
export function registerAdminApi(app: Hono, options: AdminApiOptions): void {
  const { eventLog, now, log } = options
  const store = eventLog.store
  const inviter = requireInviter(options.inviter)

  // Registered before the guard below: the scheduled sweep proves itself with the site's own secret instead.
  app.post(`${ADMIN_API}/sweep`, sweeper(options, inviter), async (c) => {
    const started = now()
    const report = await eventLog.sweep(pipelineRunner(options.pipeline(c)), { budgetMs: options.sweepBudgetMs ?? 6000 })
    // One line per sweep that did something, not one a minute saying nothing happened.
    if (report.swept > 0) log({ route: 'sweep', ...report, durationMs: now() - started })
    return c.json(report)
  })

  // Results recorded after their answer (npm start) are in the log before anyone reads it.
  app.use(`${ADMIN_API}/*`, logRequest({ route: 'admin' }, log, now), inviter, async (_c, next) => {
    await eventLog.settled()
    await next()
  })

  app.get(`${ADMIN_API}/events`, async (c) => {
    const status = c.req.query('status')
    if (status !== undefined && !STATUSES.includes(status as EventStatus)) throw new BadRequestError('status must be pending, dead or done')
    const since = c.req.query('since')
    const sinceMs = since === undefined ? undefined : parseSince(since, now())
    if (sinceMs === null) throw new BadRequestError('since must be an ISO time (2026-11-26T09:00:00Z) or a span like 24h, 7d')
    const page = await listEvents(store, {
      ...(status ? { status: status as EventStatus } : {}),
      ...(c.req.query('source') ? { source: c.req.query('source')! } : {}),
      ...(sinceMs !== undefined ? { since: sinceMs } : {}),
      ...(c.req.query('cursor') ? { cursor: readCursor(c.req.query('cursor')!) } : {}),
      limit: boundedInt(c.req.query('limit'), 'limit', 50, 200),
    })
    return c.json({ events: page.events.map(summary), next: page.next === null ? null : Buffer.from(page.next).toString('base64url') })
  })

  app.get(`${ADMIN_API}/events/:id`, async (c) => {
    const entry = await findEvent(store, c.req.param('id'))
    if (!entry) throw new NotFound(c.req.param('id'))
    return c.json(summary(entry))
  })

  app.post(`${ADMIN_API}/events/:id/replay`, async (c: Context<InviterEnv>) => {
    const ref = c.req.param('id') ?? ''
    const entry = await findEvent(store, ref)
    const answer = entry ? await eventLog.replay(entry.id, pipelineRunner(options.pipeline(c))) : null
    if (!answer) throw new NotFound(ref)
    c.get('logFields').id = answer.id
    c.get('logFields').outcome = answer.outcome
    const body = { id: answer.id, status: answer.status, outcome: answer.outcome, ...(answer.retryAt ? { retryAt: iso(answer.retryAt) } : {}) }
    return c.json(body, answer.ran ? 202 : 200)
  })

  app.get(`${ADMIN_API}/stats`, async (c) => {
    return c.json(await readStats(store, { now: now(), days: boundedInt(c.req.query('days'), 'days', 30, 366) }))
  })

  app.get(`${ADMIN_API}/people`, async (c) => {
    const email = c.req.query('email')
    if (!email) throw new BadRequestError('Pass the address to look up: ?email=ann@example.com')
    const identity = options.identity(c)
    const answer = await lookUpPerson(store, email, { hashKey: options.hashKey, findUser: (address) => identity.findUserByEmail(address) })
    return c.json({ ...answer, at: answer.at === null ? null : iso(answer.at) })
  })
}

/** An entry as the API shows it: times in ISO, absent fields as null. */
function summary(entry: LogEntry) {
  return {
    id: entry.id,
    source: entry.source,
    eventId: entry.eventId,
    type: entry.type,
    status: entry.status,
    outcome: entry.outcome ?? null,
    firstSeen: iso(entry.firstSeen),
    lastSeen: iso(entry.lastSeen),
    attempts: entry.attempts,
    email: entry.email ?? null,
    rules: entry.rules ?? [],
    roles: entry.roles ?? null,
    error: entry.error ?? null,
    retryAt: entry.retryAt === undefined ? null : iso(entry.retryAt),
    deadAt: entry.deadAt === undefined ? null : iso(entry.deadAt),
    replays: entry.replays ?? 0,
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

class NotFound extends BridgeError {
  constructor(ref: string) {
    const hint = parseEventLogId(ref) ? '' : ' (pass the bridge\'s id, or <source>:<the sender\'s event id>)'
    super(404, 'not_found', `No event ${JSON.stringify(ref)} in the event log${hint}`)
  }
}

function readCursor(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!/^(log|pending|dead)\//.test(key)) throw new BadRequestError('cursor is not one this API gave out')
  return key
}

function boundedInt(raw: string | undefined, name: string, fallback: number, max: number): number {
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw new BadRequestError(`${name} must be a whole number from 1 to ${max}`)
  return value
}

/**
 * The sweep's guard: the site's own sweep secret in its header (the
 * scheduled function, `npm start`'s timer), or an admin as for the rest.
 */
function sweeper(options: AdminApiOptions, inviter: ReturnType<typeof requireInviter>) {
  return middleware<InviterEnv>(async function sweeper(c, next) {
    const presented = c.req.header(SWEEP_HEADER)
    if (presented === undefined) {
      // The inviter guard names the caller in the request's log fields.
      c.set('logFields', { route: 'sweep' })
      return inviter(c, next)
    }
    if (matchingKey(presented, [await options.sweepSecret()]) === undefined) {
      throw new BridgeError(401, 'unauthorized', `The ${SWEEP_HEADER} header does not hold this site's sweep secret`)
    }
    await next()
  })
}


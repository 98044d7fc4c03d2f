import type { Context } from 'hono'
import type { InvitesConfig } from '../../core/config/invites-config.ts'
import { maskEmail } from '../../core/domain/email.ts'
import { hourlyCap } from '../../core/exactly-once/hourly-cap.ts'
import { inviteBatch, isDone, isOverCap, summarise, type AddressResult } from '../../core/pipeline/invite-batch.ts'
import type { PipelineDeps } from '../../core/pipeline/process.ts'
import type { InviterEnv } from './caller.ts'
import { parseInvitesBody } from './invites-body.ts'

export interface InvitesRouteOptions {
  settings: InvitesConfig
  pipeline: (c: Context) => PipelineDeps
  now: () => number
  /**
   * No new address is started this long after the request began, so the
   * answer (with the rest marked "send again") beats the function's time
   * limit (10 s by default on Netlify) even when identity is slow.
   */
  startBudgetMs?: number
  /** Invites in flight at once within one request. */
  concurrency?: number
}

/**
 * POST /invites: "invite these addresses", for callers the requireInviter
 * guard let through (an INVITE_API_KEYS key, or a site admin's Identity
 * token). 200 when every address reached a final result; 207 when some are
 * left to send again (over the hourly cap included); 502 (identity failing),
 * 409 (others busy with them) or 429 (all over the hourly cap) when none are done.
 */
export function invitesRoute(options: InvitesRouteOptions) {
  const { settings, now } = options
  return async function handleInvites(c: Context<InviterEnv>) {
    const started = now()
    const fields = c.get('logFields')
    const deps = options.pipeline(c)
    const request = parseInvitesBody(await c.req.text(), settings.maxBatch)
    const results = await inviteBatch({
      ...request,
      // Fails here, before any claim, when identity is not configured.
      identity: deps.identity(),
      deps,
      cap: hourlyCap({ store: deps.store, limit: settings.hourlyLimit, now: deps.now }),
      allowedDomains: settings.allowedDomains,
      dryRun: deps.dryRun,
      concurrency: options.concurrency ?? 4,
      startBy: started + (options.startBudgetMs ?? 6000),
    })
    const summary = summarise(results)
    const status = statusFor(results)
    const only = results.length === 1 ? results[0] : undefined
    Object.assign(fields, { status, ...summary, ...(only ? { email: maskEmail(only.email) } : {}) })
    // Addresses left to send again, those over the hourly cap among them, say when to come back.
    const retryAfter = Math.max(0, ...results.map((r) => r.retryAfterSeconds ?? 0))
    if (retryAfter > 0) c.header('Retry-After', String(retryAfter))
    return c.json({ results, summary }, status)
  }
}

function statusFor(results: AddressResult[]): 200 | 207 | 409 | 429 | 502 {
  const left = results.filter((result) => !isDone(result))
  if (left.length === 0) return 200
  if (left.length < results.length) return 207
  // Nothing done: identity failing is the bridge's upstream failing; "busy elsewhere" is a conflict; only the cap is "too many".
  if (left.some((result) => result.outcome === 'failed')) return 502
  return left.every(isOverCap) ? 429 : 409
}

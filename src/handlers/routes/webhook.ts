import { createHash } from 'node:crypto'
import type { Context } from 'hono'
import type { SenderConfig } from '../../core/config/config.ts'
import type { DeliveryResult, Outcome } from '../../core/domain/delivery.ts'
import { BadRequestError, BridgeError, NotConfiguredError, errorAnswer } from '../../core/domain/errors.ts'
import type { LogFields, Logger } from '../../core/domain/log.ts'
import type { EventLog } from '../../core/event-log/event-log.ts'
import { pipelineRunner } from '../../core/event-log/runner.ts'
import { processDelivery, type PipelineDeps } from '../../core/pipeline/process.ts'
import type { SenderRuntime } from '../sender.ts'

export interface WebhookRouteOptions {
  sender: SenderRuntime
  /** The sender's secrets and settings; no secrets = disabled, the route refuses everything. */
  config: SenderConfig
  pipeline: (c: Context) => PipelineDeps
  log: Logger
  now: () => number
  /** Records every verified delivery and queues those a retry may fix; without it, failures answer 5xx. */
  eventLog?: EventLog
}

const STATUS_BY_OUTCOME: Record<Outcome, 200 | 409> = {
  invited: 200,
  already_registered: 200,
  duplicate: 200,
  ignored: 200,
  no_email: 200,
  rejected: 200,
  roles_updated: 200,
  no_account: 200,
  unlinked: 200,
  dry_run: 200,
  // Another attempt holds the claim: the provider must come back, not give up.
  in_progress: 409,
}

/** The one place that joins a sender's verify+map to the pipeline, and logs the delivery. */
export function webhookRoute(options: WebhookRouteOptions) {
  const { sender, config, log, now } = options
  return async function handleWebhook(c: Context) {
    const started = now()
    const fields: LogFields = { source: sender.name }
    try {
      if (!config.secrets.length) {
        throw new NotConfiguredError('source_disabled', `${sender.name} webhooks are disabled: set ${sender.secretVariable} to enable them`)
      }
      const rawBody = await c.req.text()
      const delivery = await sender.receive({ rawBody, headers: c.req.raw.headers, now: now() }, config).catch(async (error: unknown) => {
        await options.eventLog?.countUnverified(sender.name, errorAnswer(error).body.error.code)
        return asBadInput(error)
      })
      Object.assign(fields, { eventId: delivery.eventId, eventType: delivery.eventType })
      const deps = options.pipeline(c)
      // What the signature covers, so an event id the signature does not cover is bound to the body it came with.
      const received = { bodyDigest: createHash('sha256').update(rawBody).digest('hex') }
      // A dry run writes nothing, the event log included.
      const arrival = options.eventLog && !deps.dryRun ? await options.eventLog.receive(delivery, pipelineRunner(deps), { ...received, ...(deps.afterAnswer ? { afterAnswer: deps.afterAnswer } : {}) }) : null
      if (arrival?.kind === 'queued') {
        const retryAt = new Date(arrival.retryAt).toISOString()
        Object.assign(fields, { outcome: 'queued', id: arrival.id, retryAt })
        return c.json({ outcome: 'queued', eventId: delivery.eventId, id: arrival.id, retryAt }, 202)
      }
      if (arrival) fields.id = arrival.id
      const result = arrival?.result ?? (await processDelivery(delivery, deps, received))
      Object.assign(fields, {
        outcome: result.outcome,
        reason: result.reason,
        email: result.email,
        ...(result.warning ? { level: 'warn', warning: result.warning, subject: result.subject } : {}),
        rules: result.plan?.rules.join(','),
        granted: result.roles?.granted.join(','),
        revoked: result.roles?.revoked.join(','),
        ...(result.outcome === 'dry_run' && result.plan
          ? { wouldInvite: result.plan.invite, wouldGrant: result.plan.grant.join(','), wouldRevoke: result.plan.revoke.join(',') }
          : {}),
      })
      if (result.retryAfterSeconds) c.header('Retry-After', String(result.retryAfterSeconds))
      return c.json(answer(delivery.eventId, result), STATUS_BY_OUTCOME[result.outcome])
    } catch (error) {
      Object.assign(fields, errorAnswer(error).log)
      throw error
    } finally {
      log({ ...fields, durationMs: now() - started })
    }
  }
}

/**
 * By the time a sender maps an event its signature has been verified, so a
 * TypeError there means a payload of an unexpected shape: the sender's to
 * fix, not a "retry me" (a 5xx would make Stripe retry it for three days).
 */
function asBadInput(error: unknown): never {
  if (error instanceof BridgeError) throw error
  throw new BadRequestError('Signed payload does not have the shape this event type should have', 'invalid_event')
}

function answer(eventId: string, result: DeliveryResult) {
  return {
    outcome: result.outcome,
    eventId,
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.roles ? { roles: result.roles } : {}),
    ...(result.outcome === 'dry_run' && result.plan ? { plan: result.plan } : {}),
  }
}

import type { Context } from 'hono'
import type { SourceName } from '../../core/config/config.ts'
import { SOURCE_SECRET_VARIABLES } from '../../core/config/config.ts'
import type { DeliveryResult, Outcome } from '../../core/domain/delivery.ts'
import { BadRequestError, BridgeError, NotConfiguredError, errorLogFields } from '../../core/domain/errors.ts'
import type { LogFields, Logger } from '../../core/domain/log.ts'
import { processDelivery, type PipelineDeps } from '../../core/pipeline/process.ts'
import type { WebhookSource } from '../sender.ts'

export interface WebhookRouteOptions<Settings extends { secrets: string[] }> {
  source: WebhookSource<Settings>
  /** null when the source's secret is not set: the route refuses everything. */
  settings: Settings | null
  pipeline: (c: Context) => PipelineDeps
  log: Logger
  now: () => number
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
  dry_run: 200,
  // Another attempt holds the claim: the provider must come back, not give up.
  in_progress: 409,
}

/** The one place that joins a source's verify+map to the pipeline, and logs the delivery. */
export function webhookRoute<Settings extends { secrets: string[] }>(options: WebhookRouteOptions<Settings>) {
  const { source, log, now } = options
  return async function handleWebhook(c: Context) {
    const started = now()
    const fields: LogFields = { source: source.name }
    try {
      const settings = options.settings ?? refuseDisabled(source.name)
      const rawBody = await c.req.text()
      const delivery = await source.receive({ rawBody, headers: c.req.raw.headers, now: now() }, settings).catch(asBadInput)
      Object.assign(fields, { eventId: delivery.eventId, eventType: delivery.eventType })
      const result = await processDelivery(delivery, options.pipeline(c))
      Object.assign(fields, {
        outcome: result.outcome,
        reason: result.reason,
        email: result.email,
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
      Object.assign(fields, errorLogFields(error))
      throw error
    } finally {
      log({ ...fields, durationMs: now() - started })
    }
  }
}

/**
 * By the time a source maps an event its signature has been verified, so a
 * TypeError there means a payload of an unexpected shape: the sender's to
 * fix, not a "retry me" (a 5xx would make Stripe retry it for three days).
 */
function asBadInput(error: unknown): never {
  if (error instanceof BridgeError) throw error
  throw new BadRequestError('Signed payload does not have the shape this event type should have', 'invalid_event')
}

function refuseDisabled(name: SourceName): never {
  throw new NotConfiguredError('source_disabled', `${name} webhooks are disabled: set ${SOURCE_SECRET_VARIABLES[name]} to enable them`)
}

function answer(eventId: string, result: DeliveryResult) {
  return {
    outcome: result.outcome,
    eventId,
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.roles ? { roles: result.roles } : {}),
    ...(result.outcome === 'dry_run' ? { plan: result.plan } : {}),
  }
}

import type { Plan } from '../../rules/match.ts'
import type { Delivery, DeliveryResult, Recipient } from '../domain/delivery.ts'
import { maskEmail, normaliseEmail } from '../domain/email.ts'
import type { DirectoryEntry } from '../domain/facts.ts'
import type { IdentityClient } from '../domain/identity.ts'
import { tryClaim } from '../exactly-once/claims.ts'
import { inviteOnce } from '../exactly-once/invite-once.ts'
import { changeRoles } from '../exactly-once/roles.ts'
import type { KeyValueStore } from '../exactly-once/store.ts'
import { planDelivery, type PlanDeps } from './plan.ts'

export interface PipelineDeps extends PlanDeps {
  store: KeyValueStore
  /** The identity client for this request; throws NotConfiguredError when there is none. */
  identity: () => IdentityClient
  /** Verify, match and log, but write nothing anywhere. */
  dryRun: boolean
  hashKey: () => Promise<string>
  now: () => number
  leaseMs: number
  /** Told the person's normalised address once it is known: the event log indexes people by its hash. */
  onPerson?: (email: string) => void
}

const PERSON_WAIT_MS = 3000

export function eventKey(delivery: Pick<Delivery, 'source' | 'eventId'>): string {
  return `event/${delivery.source}/${encodeURIComponent(delivery.eventId)}`
}

/**
 * verify → map happened in the sender; this is plan → claim → invite and
 * roles → record, the same for every sender. The event claim makes every
 * change happen once per event id; the person claim (in inviteOnce) makes the
 * invite happen once per person. Done is recorded only after identity confirmed.
 */
export async function processDelivery(delivery: Delivery, deps: PipelineDeps): Promise<DeliveryResult> {
  const planned = await planDelivery(delivery, deps)
  if ('ignored' in planned) return { outcome: 'ignored', reason: planned.ignored }
  const { plan } = planned
  const summary = { invite: plan.invite, grant: plan.grant, revoke: plan.revoke, rules: plan.matched }
  if (deps.dryRun) return { outcome: 'dry_run', reason: 'BRIDGE_DRY_RUN is set: nothing was written', plan: summary }

  // Fails before anything is claimed, so the provider's retry after a fix goes through.
  const identity = deps.identity()
  const event = await tryClaim(eventKey(delivery), { store: deps.store, now: deps.now, leaseMs: deps.leaseMs })
  if (event.kind === 'done') return { outcome: 'duplicate', reason: `event already handled (${event.outcome})` }
  if (event.kind === 'busy') {
    return { outcome: 'in_progress', reason: 'this event is being handled by another attempt', retryAfterSeconds: event.retryAfterSeconds }
  }

  try {
    const result = await carryOut(delivery, event.claim.firstSeen, plan, identity, deps)
    if (result.outcome === 'in_progress') await event.claim.release()
    else await event.claim.complete(result.outcome)
    return { ...result, plan: summary }
  } catch (error) {
    await event.claim.release().catch(() => {})
    throw error
  }
}

async function carryOut(delivery: Delivery, firstSeen: number, plan: Plan, identity: IdentityClient, deps: PipelineDeps): Promise<DeliveryResult> {
  const person = await resolve(delivery, deps)
  if (!person?.email) return { outcome: 'no_email', reason: 'the event names nobody with a known email address' }
  const email = normaliseEmail(person.email)
  if (!email) return { outcome: 'rejected', reason: 'the event carries an invalid email address' }
  deps.onPerson?.(email)

  let invited: Awaited<ReturnType<typeof inviteOnce>> | undefined
  if (plan.invite) {
    const data = person.name && !plan.data.full_name ? { full_name: person.name, ...plan.data } : plan.data
    // Waiting out another event's invite of this person (bounded) saves a 409 that GitHub would never retry.
    invited = await inviteOnce(email, Object.keys(data).length ? data : undefined, identity, { ...deps, personWaitMs: PERSON_WAIT_MS })
    if (invited.outcome === 'in_progress' || invited.outcome === 'rejected') return invited
  }
  if (!plan.grant.length && !plan.revoke.length) return invited!

  const change = await changeRoles({ email, userId: invited?.userId, grant: plan.grant, revoke: plan.revoke, at: delivery.occurredAt ?? firstSeen }, identity, deps)
  const masked = maskEmail(email)
  if (change.status === 'busy') {
    return { outcome: 'in_progress', reason: 'another change to this person is being applied', retryAfterSeconds: change.retryAfterSeconds, email: masked }
  }
  if (change.status === 'no_account') {
    return invited ?? { outcome: 'no_account', reason: 'nobody has an account at this address: no roles to change', email: masked }
  }
  const roles = { granted: change.added, revoked: change.removed }
  return invited ? { ...invited, roles } : { outcome: 'roles_updated', roles, email: masked }
}

async function resolve(delivery: Delivery, deps: PipelineDeps): Promise<DirectoryEntry | null> {
  const recipient: Recipient | null = delivery.recipient
  if (!recipient) return null
  if (recipient.kind === 'email') return { email: recipient.email }
  // Without its reads (no API key) a sender's account cannot be looked up; rules that need it are refused at startup.
  const lookUp = deps.reads(delivery.source)?.person
  return lookUp ? lookUp(recipient.account) : null
}

import type { Plan } from '../../rules/match.ts'
import type { Delivery, DeliveryResult, Recipient } from '../domain/delivery.ts'
import { maskEmail, normaliseEmail, personId } from '../domain/email.ts'
import { BridgeError } from '../domain/errors.ts'
import type { DirectoryEntry } from '../domain/facts.ts'
import type { IdentityClient, IdentityUser } from '../domain/identity.ts'
import { recordArrival } from '../exactly-once/arrival.ts'
import { claimEvent } from '../exactly-once/event-claim.ts'
import { inviteOnce } from '../exactly-once/invite-once.ts'
import { ledgerKey, readLink, writeLink, type LedgerLink } from '../exactly-once/ledger.ts'
import { changeRoles, type RoleChange } from '../exactly-once/roles.ts'
import type { KeyValueStore } from '../exactly-once/store.ts'
import { countOutcome } from '../exactly-once/tally.ts'
import { planDelivery, type PlanDeps, type PlanResult } from './plan.ts'

export { eventKey } from '../exactly-once/event-claim.ts'

export interface PipelineDeps extends PlanDeps {
  store: KeyValueStore
  /** The identity client for this request; throws NotConfiguredError when there is none. */
  identity: () => IdentityClient
  /** Verify, match and log, but write nothing anywhere. */
  dryRun: boolean
  hashKey: () => Promise<string>
  now: () => number
  leaseMs: number
}

/** What the door knows of a delivery besides what the sender mapped. */
export interface Received {
  /** sha256 (hex) of the raw signed body. */
  bodyDigest?: string
}

const PERSON_WAIT_MS = 3000

/**
 * verify → map happened in the sender; this is plan → claim → invite and
 * roles → record, the same for every sender. The event claim makes every
 * change happen once per event (bound to its signed body where the signature
 * does not cover the id); the person claim (in inviteOnce) makes the invite
 * happen once per person. Done is recorded only after identity confirmed and
 * the ledger holds the account the subject was given.
 */
export async function processDelivery(delivery: Delivery, deps: PipelineDeps, received: Received = {}): Promise<DeliveryResult> {
  const digest = delivery.idSigned ? undefined : received.bodyDigest
  let planned: PlanResult
  try {
    planned = await planDelivery(delivery, deps)
  } catch (error) {
    // Refused for now (a sender's API is down): the body still keeps its place in line for the retry.
    if (digest && !deps.dryRun) await recordArrival(deps.store, delivery.source, digest, delivery.eventId, deps.now).catch(() => {})
    throw error
  }
  if ('ignored' in planned) return { outcome: 'ignored', reason: planned.ignored }
  const { plan } = planned
  const summary = { invite: plan.invite, grant: plan.grant, revoke: plan.revoke, rules: plan.matched }
  if (deps.dryRun) return { outcome: 'dry_run', reason: 'BRIDGE_DRY_RUN is set: nothing was written', plan: summary }

  const event = await claimEvent(delivery, digest, { store: deps.store, now: deps.now, leaseMs: deps.leaseMs })
  if (event.kind === 'mismatch') {
    throw new BridgeError(422, 'event_id_mismatch', `Event ${delivery.eventId} was first delivered with another signed body: this body is not that event, and nothing was changed`)
  }
  if (event.kind === 'done') {
    const under = event.eventId === delivery.eventId ? 'event already handled' : `this body was already delivered as event ${event.eventId}`
    return { outcome: 'duplicate', reason: `${under} (${event.outcome})` }
  }
  if (event.kind === 'busy') {
    return { outcome: 'in_progress', reason: 'this event is being handled by another attempt', retryAfterSeconds: event.retryAfterSeconds }
  }

  try {
    // Inside the claim: a refusal here (no identity configured) releases it, and the first arrival stays recorded.
    const result = await carryOut(delivery, event.at, plan, deps.identity(), deps)
    if (result.outcome === 'in_progress') await event.claim.release()
    else await event.claim.complete(result.outcome)
    return { ...result, plan: summary }
  } catch (error) {
    await event.claim.release().catch(() => {})
    throw error
  }
}

interface Subject {
  key: string
  link: LedgerLink | null
}

async function carryOut(delivery: Delivery, at: number, plan: Plan, identity: IdentityClient, deps: PipelineDeps): Promise<DeliveryResult> {
  const subject = delivery.subject ? await subjectOf(delivery.subject, delivery.source, deps) : null
  // A link whose account was deleted since knows nothing: the subject is looked up afresh and linked again.
  const account = subject?.link ? await identity.getUserById(subject.link.userId) : null
  if (account && subject?.link) return forLinkedAccount(account, subject.link, delivery, at, plan, identity, deps)

  const person = await resolve(delivery, deps)
  if (!person?.email) {
    if (revokesOnly(plan)) return missedRevoke(delivery.subject ? 'unlinked' : 'no_email', delivery, 'the event names nobody with a known email address', deps)
    return { outcome: 'no_email', reason: 'the event names nobody with a known email address' }
  }
  const email = normaliseEmail(person.email)
  if (!email) return { outcome: 'rejected', reason: 'the event carries an invalid email address' }

  let invited: Awaited<ReturnType<typeof inviteOnce>> | undefined
  if (plan.invite) {
    const data = person.name && !plan.data.full_name ? { full_name: person.name, ...plan.data } : plan.data
    // Waiting out another event's invite of this person (bounded) saves a 409 that GitHub would never retry.
    invited = await inviteOnce(email, Object.keys(data).length ? data : undefined, identity, { ...deps, personWaitMs: PERSON_WAIT_MS })
    if (invited.outcome === 'in_progress' || invited.outcome === 'rejected') return invited
  }
  const change = plan.grant.length || plan.revoke.length
    ? await changeRoles({ email, userId: invited?.userId, grant: plan.grant, revoke: plan.revoke, at }, identity, deps)
    : null
  const userId = invited?.userId ?? (change?.status === 'applied' ? change.userId : undefined)
  if (subject && userId && (plan.invite || plan.grant.length)) {
    await writeLink(deps.store, subject.key, { userId, personId: personId(email, await deps.hashKey()), at: deps.now() })
  }
  if (!change) return invited!
  return rolesAnswer(change, invited, maskEmail(email), delivery, plan, deps)
}

/** The subject was given an account before: roles go to that account, whatever address the event names today. */
async function forLinkedAccount(
  account: IdentityUser,
  link: LedgerLink,
  delivery: Delivery,
  at: number,
  plan: Plan,
  identity: IdentityClient,
  deps: PipelineDeps,
): Promise<DeliveryResult> {
  const masked = maskEmail(account.email)
  // No second account for a subject that has one: an address it buys under now gets no invite.
  const invited = plan.invite ? { outcome: 'duplicate' as const, reason: `this ${delivery.source} ${delivery.subject} already has an account`, email: masked } : undefined
  if (!plan.grant.length && !plan.revoke.length) return invited!
  const change = await changeRoles(
    { email: account.email, userId: account.id, personId: link.personId, grant: plan.grant, revoke: plan.revoke, at },
    identity,
    deps,
  )
  return rolesAnswer(change, invited, masked, delivery, plan, deps)
}

async function rolesAnswer(
  change: RoleChange,
  invited: DeliveryResult | undefined,
  masked: string,
  delivery: Delivery,
  plan: Plan,
  deps: PipelineDeps,
): Promise<DeliveryResult> {
  if (change.status === 'busy') {
    return { outcome: 'in_progress', reason: 'another change to this person is being applied', retryAfterSeconds: change.retryAfterSeconds, email: masked }
  }
  if (change.status === 'no_account') {
    if (invited) return invited
    const reason = 'nobody has an account at this address: no roles to change'
    return plan.revoke.length ? { ...(await missedRevoke('no_account', delivery, reason, deps)), email: masked } : { outcome: 'no_account', reason, email: masked }
  }
  const roles = { granted: change.added, revoked: change.removed }
  return invited ? { ...invited, roles } : { outcome: 'roles_updated', roles, email: masked }
}

/** A revoke that reached no account: still 200 (retrying cannot help), but a warning in the log and a count for the event log. */
async function missedRevoke(outcome: 'unlinked' | 'no_account' | 'no_email', delivery: Delivery, reason: string, deps: PipelineDeps): Promise<DeliveryResult> {
  await countOutcome(deps.store, delivery.source, outcome, deps.now)
  const who = delivery.subject ? `${delivery.source} ${delivery.subject}` : `this ${delivery.source} event`
  return {
    outcome,
    reason,
    warning: `roles to revoke from ${who} reached no account: it was never linked to one (see "Rules and roles" in the README)`,
    ...(delivery.subject ? { subject: delivery.subject } : {}),
  }
}

function revokesOnly(plan: Plan): boolean {
  return !plan.invite && !plan.grant.length && plan.revoke.length > 0
}

async function subjectOf(subject: string, source: string, deps: PipelineDeps): Promise<Subject> {
  const key = ledgerKey(source, subject, await deps.hashKey())
  return { key, link: await readLink(deps.store, key) }
}

async function resolve(delivery: Delivery, deps: PipelineDeps): Promise<DirectoryEntry | null> {
  const recipient: Recipient | null = delivery.recipient
  if (!recipient) return null
  if (recipient.kind === 'email') return { email: recipient.email }
  // Without its reads (no API key) a sender's account cannot be looked up; rules that need it are refused at startup.
  const lookUp = deps.reads(delivery.source)?.person
  return lookUp ? lookUp(recipient.account) : null
}

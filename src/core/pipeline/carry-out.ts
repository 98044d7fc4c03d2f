import type { Plan } from '../../rules/match.ts'
import type { Delivery, DeliveryResult, Recipient } from '../domain/delivery.ts'
import { maskEmail, normaliseEmail, personId } from '../domain/email.ts'
import type { DirectoryEntry } from '../domain/facts.ts'
import type { IdentityClient, IdentityUser } from '../domain/identity.ts'
import { inviteOnce } from '../exactly-once/invite-once.ts'
import type { Later } from '../exactly-once/later.ts'
import { ledgerKey, readLink, writeLink, type LedgerLink } from '../exactly-once/ledger.ts'
import { changeRoles, type RoleChange } from '../exactly-once/roles.ts'
import { countOutcome } from '../exactly-once/tally.ts'
import type { KeyValueStore } from '../exactly-once/store.ts'
import type { PlanDeps } from './plan.ts'

/** What the work needs of the pipeline's dependencies. */
export interface CarryOutDeps extends Pick<PlanDeps, 'reads'> {
  store: KeyValueStore
  hashKey: () => Promise<string>
  now: () => number
  leaseMs: number
  /** IDENTITY_TIMEOUT_MS, which the role lock's lease is reckoned from. */
  identityTimeoutMs?: number
  /** Told the normalised address the delivery reached, once it is known (the event log's people index). */
  onPerson?: (email: string) => void
  /** Gathers the writes that only record what identity confirmed, for the caller to run (see later.ts); absent: awaited in place. */
  later?: Later
}

const PERSON_WAIT_MS = 3000

export interface Subject {
  key: string
  link: LedgerLink | null
}

/**
 * The work for a claimed event. A subject the ledger linked to an account is
 * acted on as that account, whatever address the event or the sender's API
 * names today; otherwise the person is looked up by address as before, and an
 * invite or grant for a subject links it before the event is marked done.
 */
export async function carryOut(
  delivery: Delivery,
  at: number,
  plan: Plan,
  identity: IdentityClient,
  deps: CarryOutDeps,
  /** The subject's ledger link, read beside the event claim (see processDelivery). */
  prefetched?: Promise<Subject | null>,
): Promise<DeliveryResult> {
  const subject = prefetched ? await prefetched : delivery.subject ? await subjectOf(delivery.subject, delivery.source, deps) : null
  // A link whose account was deleted since knows nothing: the subject is looked up afresh and linked again.
  const account = subject?.link ? await identity.getUserById(subject.link.userId) : null
  if (account && subject?.link) return forLinkedAccount(account, subject.link, delivery, at, plan, identity, deps)

  const person = await resolve(delivery, deps)
  if (!person?.email) {
    if (revokesOnly(plan)) return missedRevoke(delivery.subject ? 'unlinked' : 'no_email', delivery, deps)
    return { outcome: 'no_email', reason: 'the event names nobody with a known email address' }
  }
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
  const change = plan.grant.length || plan.revoke.length
    ? await changeRoles({ email, userId: invited?.userId, grant: plan.grant, revoke: plan.revoke, at }, identity, deps)
    : null
  const userId = invited?.userId ?? (change?.status === 'applied' ? change.userId : undefined)
  if (subject && userId && (plan.invite || plan.grant.length)) {
    const link = { userId, personId: personId(email, await deps.hashKey()), at: deps.now() }
    const write = () => writeLink(deps.store, subject.key, link, subject.link?.userId)
    if (deps.later) deps.later.push(write)
    else await write()
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
  deps: CarryOutDeps,
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
  deps: CarryOutDeps,
): Promise<DeliveryResult> {
  if (change.status === 'busy') {
    return { outcome: 'in_progress', reason: 'another change to this person is being applied', retryAfterSeconds: change.retryAfterSeconds, email: masked }
  }
  if (change.status === 'no_account') {
    if (invited) return invited
    if (plan.revoke.length) return { ...(await missedRevoke('no_account', delivery, deps)), email: masked }
    return { outcome: 'no_account', reason: 'nobody has an account at this address: no roles to change', email: masked }
  }
  const roles = { granted: change.added, revoked: change.removed }
  return invited ? { ...invited, roles } : { outcome: 'roles_updated', roles, email: masked }
}

const MISSED: Record<'unlinked' | 'no_account' | 'no_email', string> = {
  unlinked: 'no account was ever linked to this subject, and no address could be found for it: no roles changed',
  no_account: 'nobody has an account at this address: no roles to change',
  no_email: 'the event names nobody with a known email address',
}

/** A revoke that reached no account: still 200 (a retry cannot help), but a warning in the log and a count for the event log. */
async function missedRevoke(outcome: keyof typeof MISSED, delivery: Delivery, deps: CarryOutDeps): Promise<DeliveryResult> {
  await countOutcome(deps.store, delivery.source, outcome, deps.now)
  const who = delivery.subject ? `${delivery.source} ${delivery.subject}` : `this ${delivery.source} event`
  return {
    outcome,
    reason: MISSED[outcome],
    warning: `roles to revoke from ${who} reached no account (see "Rules and roles" in the README)`,
    ...(delivery.subject ? { subject: delivery.subject } : {}),
  }
}

function revokesOnly(plan: Plan): boolean {
  return !plan.invite && !plan.grant.length && plan.revoke.length > 0
}

export async function subjectOf(subject: string, source: string, deps: Pick<CarryOutDeps, 'store' | 'hashKey'>): Promise<Subject> {
  const key = ledgerKey(source, subject, await deps.hashKey())
  return { key, link: await readLink(deps.store, key) }
}

async function resolve(delivery: Delivery, deps: CarryOutDeps): Promise<DirectoryEntry | null> {
  const recipient: Recipient | null = delivery.recipient
  if (!recipient) return null
  if (recipient.kind === 'email') return { email: recipient.email }
  // Without its reads (no API key) a sender's account cannot be looked up; rules that need it are refused at startup.
  const lookUp = deps.reads(delivery.source)?.person
  return lookUp ? lookUp(recipient.account) : null
}

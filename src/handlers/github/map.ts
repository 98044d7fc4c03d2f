import type { Delivery } from '../../core/domain/delivery.ts'

interface GitHubUser {
  login?: string | null
  id?: number | null
}

/** The part of a GitHub webhook payload the bridge reads. */
export interface GitHubPayload {
  action?: string
  invitation?: { email?: string | null; login?: string | null } | null
  /** On member_invited: the invitee, when the invitation names an account. */
  user?: GitHubUser | null
  membership?: { user?: GitHubUser | null } | null
  organization?: { login?: string | null } | null
}

/** A non-empty trimmed string, or undefined: payload fields are not trusted to have their documented types. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined
}

/**
 * GitHub's lasting id for a person: the numeric user id (a login can be
 * renamed and then taken by someone else), or, when only a login is known,
 * the login, lower-cased as GitHub compares them.
 */
function subject(user: GitHubUser | null | undefined, login: string | undefined): Pick<Delivery, 'subject'> {
  const id = user?.id
  if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0 && (!login || text(user?.login)?.toLowerCase() === login.toLowerCase())) {
    return { subject: `user:${id}` }
  }
  return login ? { subject: `login:${login.toLowerCase()}` } : {}
}

/** What a verified GitHub event says: who, in which org. Pure. */
// GitHub's organization payloads carry no event time: the pipeline orders them by the first arrival of each body.
export function mapGitHubEvent(name: string, deliveryId: string, payload: GitHubPayload): Delivery {
  const action = text(payload.action)
  const event = action ? `${name}.${action}` : name
  const base = {
    source: 'github' as const,
    eventId: deliveryId,
    eventType: event,
    facts: { source: 'github', event, github: { org: text(payload.organization?.login) ?? null } },
  }
  if (name === 'ping') return { ...base, skip: 'ping: the webhook is connected', recipient: null }
  if (event === 'organization.member_invited') {
    const email = text(payload.invitation?.email)
    const login = text(payload.invitation?.login)
    // An invitation by email alone names no account, and GitHub never says who accepted it: no subject.
    return {
      ...base,
      ...(login ? subject(payload.user, login) : {}),
      recipient: email ? { kind: 'email', email } : login ? { kind: 'account', account: login } : null,
    }
  }
  if (event === 'organization.member_added' || event === 'organization.member_removed') {
    const login = text(payload.membership?.user?.login)
    return { ...base, ...subject(payload.membership?.user, login), recipient: login ? { kind: 'account', account: login } : null }
  }
  return { ...base, skip: `event ${event} does not invite anyone`, recipient: null }
}

import type { Delivery } from '../../core/domain/delivery.ts'

/** The part of a GitHub webhook payload the bridge reads. */
export interface GitHubPayload {
  action?: string
  invitation?: { email?: string | null; login?: string | null } | null
  membership?: { user?: { login?: string | null } | null } | null
  organization?: { login?: string | null } | null
}

/** A non-empty trimmed string, or undefined: payload fields are not trusted to have their documented types. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined
}

/** What a verified GitHub event says: who, in which org. Pure. */
// GitHub's organization payloads carry no event time: the pipeline orders them by the first delivery of each id.
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
    return { ...base, recipient: email ? { kind: 'email', email } : login ? { kind: 'account', account: login } : null }
  }
  if (event === 'organization.member_added' || event === 'organization.member_removed') {
    const login = text(payload.membership?.user?.login)
    return { ...base, recipient: login ? { kind: 'account', account: login } : null }
  }
  return { ...base, skip: `event ${event} does not invite anyone`, recipient: null }
}


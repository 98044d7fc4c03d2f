import type { GitHubSourceConfig } from '../../core/config/config.ts'
import type { Delivery } from '../../core/domain/delivery.ts'
import { BadRequestError, SignatureError } from '../../core/domain/errors.ts'
import type { SignedRequest, WebhookSource } from '../sender.ts'

/** The part of a GitHub webhook payload the bridge reads. */
export interface GitHubPayload {
  action?: string
  invitation?: { email?: string | null; login?: string | null } | null
  membership?: { user?: { login?: string | null } | null } | null
  organization?: { login?: string | null } | null
}

function requiredHeader(headers: Headers, name: string): string {
  const value = headers.get(name)?.trim()
  if (!value) throw new BadRequestError(`Missing ${name} header: is this request from GitHub?`, 'missing_header')
  return value
}

/** Checks `X-Hub-Signature-256` against every secret (rotation); any failure to verify is "no match". */
export async function verifyGitHubSignature(rawBody: string, signature: string, secrets: string[]): Promise<boolean> {
  const { verifyWithFallback } = await import('@octokit/webhooks-methods')
  const [first, ...rest] = secrets
  if (!first) return false
  try {
    return await verifyWithFallback(first, rawBody, signature, rest)
  } catch {
    return false
  }
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
    facts: { source: 'github' as const, event, github: { org: text(payload.organization?.login) ?? null } },
  }
  if (name === 'ping') return { ...base, skip: 'ping: the webhook is connected', recipient: null }
  if (event === 'organization.member_invited') {
    const email = text(payload.invitation?.email)
    const login = text(payload.invitation?.login)
    return { ...base, recipient: email ? { kind: 'email', email } : login ? { kind: 'github-login', login } : null }
  }
  if (event === 'organization.member_added' || event === 'organization.member_removed') {
    const login = text(payload.membership?.user?.login)
    return { ...base, recipient: login ? { kind: 'github-login', login } : null }
  }
  return { ...base, skip: `event ${event} does not invite anyone`, recipient: null }
}

export const githubSource: WebhookSource<GitHubSourceConfig> = {
  name: 'github',
  async receive(request: SignedRequest, settings): Promise<Delivery> {
    const { headers, rawBody } = request
    const signature = headers.get('x-hub-signature-256')?.trim()
    if (!signature) {
      throw new BadRequestError('Missing X-Hub-Signature-256 header: set the webhook secret in GitHub', 'missing_signature')
    }
    const name = requiredHeader(headers, 'x-github-event')
    const deliveryId = requiredHeader(headers, 'x-github-delivery')
    if (!(await verifyGitHubSignature(rawBody, signature, settings.secrets))) {
      throw new SignatureError('GitHub signature does not match any configured GITHUB_WEBHOOK_SECRET (is the content type application/json?)')
    }
    let payload: GitHubPayload
    try {
      payload = JSON.parse(rawBody) as GitHubPayload
    } catch {
      throw new BadRequestError('Signed body is not valid JSON: set the webhook content type to application/json', 'invalid_json')
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      throw new BadRequestError('Signed body is not a JSON object', 'invalid_json')
    }
    return mapGitHubEvent(name, deliveryId, payload)
  },
}

import { ConfigError } from '../domain/errors.ts'
import { optional, parseList, positiveInteger, type Env } from './env.ts'

/** POST /invites: who may call it and how much they may ask for. */
export interface InvitesConfig {
  /** Bearer keys accepted as-is; empty = keys are off and only admin users' tokens work. */
  apiKeys: string[]
  /** The role in a user's app_metadata.roles that may invite. */
  adminRole: string
  /** Most addresses in one request. */
  maxBatch: number
  /** Exact domains invites may go to (a subdomain must be listed itself); null = any. */
  allowedDomains: string[] | null
  /** Invites sent to identity through POST /invites per clock hour, across all instances. */
  hourlyLimit: number
}

// A key short enough to guess is worse than no key: it opens the route to anyone patient.
const MIN_API_KEY_LENGTH = 16
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/

export function loadInvites(env: Env): InvitesConfig {
  const apiKeys = parseList(env.INVITE_API_KEYS)
  if (apiKeys.some((key) => key.length < MIN_API_KEY_LENGTH)) {
    throw new ConfigError(`INVITE_API_KEYS entries must be at least ${MIN_API_KEY_LENGTH} characters; make one with \`openssl rand -hex 32\``)
  }
  const domains = parseList(env.INVITE_ALLOWED_DOMAINS).map((domain) => domain.toLowerCase().replace(/^@/, ''))
  const bad = domains.find((domain) => !DOMAIN.test(domain))
  if (bad !== undefined) {
    throw new ConfigError(`INVITE_ALLOWED_DOMAINS takes exact domains like example.com (no wildcards: list each subdomain), got "${bad}"`)
  }
  return {
    apiKeys,
    adminRole: optional(env, 'INVITE_ADMIN_ROLE') ?? 'admin',
    maxBatch: positiveInteger(env, 'INVITE_MAX_BATCH', 100),
    allowedDomains: domains.length ? domains : null,
    hourlyLimit: positiveInteger(env, 'INVITE_HOURLY_LIMIT', 100),
  }
}

import { BridgeError } from './errors.ts'
import type { StripeApiSettings } from './stripe-api.ts'

export type Env = Readonly<Record<string, string | undefined>>

export interface StripeSourceConfig {
  secrets: string[]
  /** Oldest accepted signature, in seconds (Stripe's own default is 300). */
  toleranceSeconds: number
}

export interface GitHubSourceConfig {
  secrets: string[]
  /** Token for `GET /users/{login}`; without one GitHub allows 60 lookups an hour. */
  token: string | undefined
  apiUrl: string
  timeoutMs: number
}

/** Where identity points when configured explicitly; the runtime may fill the gaps per request. */
export interface IdentitySettings {
  url: string | undefined
  adminToken: string | undefined
  jwtSecret: string | undefined
  timeoutMs: number
}

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

export interface BridgeConfig {
  /** null = the source is disabled because its secret is not set. */
  stripe: StripeSourceConfig | null
  github: GitHubSourceConfig | null
  identity: IdentitySettings
  invites: InvitesConfig
  /** Reads rules may need (checkout line items, a subscription's customer); null without STRIPE_SECRET_KEY. */
  stripeApi: StripeApiSettings | null
  /** BRIDGE_DRY_RUN: verify, match and log what would happen; write nothing. */
  dryRun: boolean
  maxBodyBytes: number
  /** How long a claim is held before another attempt may take it over (a crashed attempt's lease). */
  leaseMs: number
  /** Key for hashing emails into store keys; when unset one is generated and kept in the store. */
  hashKey: string | undefined
}

export class ConfigError extends BridgeError {
  override readonly name = 'ConfigError'
  constructor(message: string) {
    super(500, 'invalid_configuration', message)
  }
}

export const SOURCE_SECRET_VARIABLES = {
  stripe: 'STRIPE_WEBHOOK_SECRET',
  github: 'GITHUB_WEBHOOK_SECRET',
} as const

export type SourceName = keyof typeof SOURCE_SECRET_VARIABLES

/** `"a, b,,c"` → `["a", "b", "c"]`: several secrets are how providers rotate them. */
export function parseList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
}

function positiveInteger(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim()
  if (!raw) return fallback
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`${name} must be a positive whole number, got "${raw}"`)
  }
  return value
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value ? value : undefined
}

function flag(env: Env, name: string): boolean {
  const value = env[name]?.trim().toLowerCase()
  if (!value || value === '0' || value === 'false' || value === 'no') return false
  if (value === '1' || value === 'true' || value === 'yes') return true
  throw new ConfigError(`${name} must be 1 or 0 (true or false), got "${env[name]}"`)
}

function httpUrl(env: Env, name: string, fallback?: string): string | undefined {
  const value = optional(env, name) ?? fallback
  if (value === undefined) return undefined
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${value}"`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http(s) URL, got "${value}"`)
  }
  return value.replace(/\/+$/, '')
}

/** Reads the bridge's settings from the environment; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env): BridgeConfig {
  const stripeSecrets = parseList(env.STRIPE_WEBHOOK_SECRET)
  const githubSecrets = parseList(env.GITHUB_WEBHOOK_SECRET)
  return {
    stripe: stripeSecrets.length
      ? { secrets: stripeSecrets, toleranceSeconds: positiveInteger(env, 'STRIPE_TOLERANCE_SECONDS', 300) }
      : null,
    github: githubSecrets.length
      ? {
          secrets: githubSecrets,
          token: optional(env, 'GITHUB_TOKEN'),
          apiUrl: httpUrl(env, 'GITHUB_API_URL', 'https://api.github.com')!,
          timeoutMs: positiveInteger(env, 'GITHUB_TIMEOUT_MS', 3000),
        }
      : null,
    identity: {
      url: httpUrl(env, 'IDENTITY_URL'),
      adminToken: optional(env, 'IDENTITY_ADMIN_TOKEN'),
      jwtSecret: optional(env, 'IDENTITY_JWT_SECRET'),
      // Identity plus a GitHub lookup must answer well inside GitHub's 10 s limit.
      timeoutMs: positiveInteger(env, 'IDENTITY_TIMEOUT_MS', 5000),
    },
    stripeApi: optional(env, 'STRIPE_SECRET_KEY')
      ? {
          secretKey: optional(env, 'STRIPE_SECRET_KEY')!,
          apiUrl: httpUrl(env, 'STRIPE_API_URL', 'https://api.stripe.com')!,
          timeoutMs: positiveInteger(env, 'STRIPE_API_TIMEOUT_MS', 3000),
        }
      : null,
    dryRun: flag(env, 'BRIDGE_DRY_RUN'),
    invites: loadInvites(env),
    maxBodyBytes: positiveInteger(env, 'BRIDGE_MAX_BODY_BYTES', 1024 * 1024),
    leaseMs: positiveInteger(env, 'BRIDGE_LEASE_MS', 60_000),
    hashKey: optional(env, 'BRIDGE_HASH_KEY'),
  }
}

// A key short enough to guess is worse than no key: it opens the route to anyone patient.
const MIN_API_KEY_LENGTH = 16
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/

function loadInvites(env: Env): InvitesConfig {
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

/** `abcdef123456` → `abcd…(12 chars)`: shows which value is set without revealing it. */
export function maskSecret(value: string): string {
  return `${value.slice(0, 4)}…(${value.length} chars)`
}

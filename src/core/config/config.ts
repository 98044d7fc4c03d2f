import { ConfigError, flag, httpUrl, optional, parseList, positiveInteger, type Env } from './env.ts'
import { loadInvites, type InvitesConfig } from './invites-config.ts'
import type { StripeApiSettings } from '../../handlers/stripe/api.ts'


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


export const SOURCE_SECRET_VARIABLES = {
  stripe: 'STRIPE_WEBHOOK_SECRET',
  github: 'GITHUB_WEBHOOK_SECRET',
} as const

export type SourceName = keyof typeof SOURCE_SECRET_VARIABLES


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
      timeoutMs: positiveInteger(env, 'IDENTITY_TIMEOUT_MS', IDENTITY_TIMEOUT_MS),
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
    leaseMs: leaseOutlastingIdentity(env),
    hashKey: optional(env, 'BRIDGE_HASH_KEY'),
  }
}

/** `abcdef123456` → `abcd…(12 chars)`: shows which value is set without revealing it. */
export function maskSecret(value: string): string {
  return `${value.slice(0, 4)}…(${value.length} chars)`
}

const IDENTITY_TIMEOUT_MS = 5000

/**
 * A person's claim is held for the lease while its holder is inside identity's
 * POST /invite; a lease that runs out first lets a second attempt take the
 * person over and invite again. Our timeout only bounds how long we wait:
 * identity keeps working on a request whose caller was killed (a function at
 * its time limit), and two instances' clocks differ. Twice the timeout gives
 * that abandoned request as long again to land; the defaults (60 s against
 * 5 s) are far inside it.
 */
function leaseOutlastingIdentity(env: Env): number {
  const leaseMs = positiveInteger(env, 'BRIDGE_LEASE_MS', 60_000)
  const timeoutMs = positiveInteger(env, 'IDENTITY_TIMEOUT_MS', IDENTITY_TIMEOUT_MS)
  if (leaseMs < 2 * timeoutMs) {
    throw new ConfigError(
      `BRIDGE_LEASE_MS (${leaseMs} ms) must be at least twice IDENTITY_TIMEOUT_MS (${timeoutMs} ms), or a second attempt can take a person over while the first is still inviting them: raise BRIDGE_LEASE_MS or lower IDENTITY_TIMEOUT_MS`,
    )
  }
  return leaseMs
}

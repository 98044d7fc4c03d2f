import { ConfigError } from '../domain/errors.ts'
import { flag, httpUrl, optional, parseList, positiveInteger, type Env } from './env.ts'
import { loadEvents, type EventsConfig } from './events-config.ts'
import { loadInvites, type InvitesConfig } from './invites-config.ts'


/** How one sender reads its own settings; the composition root passes every sender's reader in. */
export interface SenderSettingsReader<Settings = unknown> {
  name: string
  /** The variable holding the webhook secrets, comma-separated (several during a rotation). */
  secretVariable: string
  /** The sender's other settings (signature tolerance, API key and URL); throws ConfigError naming a bad variable. */
  readSettings(env: Env): Settings
}

/** One sender's configuration: secrets empty = the sender is disabled (its route answers 503 naming the variable). */
export interface SenderConfig<Settings = unknown> {
  secrets: string[]
  settings: Settings
}

const IDENTITY_PROVIDERS = ['gotrue', 'supabase'] as const
export type IdentityProvider = (typeof IDENTITY_PROVIDERS)[number]

/** Supabase Auth: the project URL (the client adds /auth/v1) and its service-role key, which stays server-side. */
export interface SupabaseSettings {
  url: string | undefined
  serviceRoleKey: string | undefined
}

/** Where identity points when configured explicitly; the runtime may fill the gaps per request (GoTrue only). */
export interface IdentitySettings {
  /** IDENTITY_PROVIDER: Netlify Identity / GoTrue (default), or Supabase Auth. */
  provider: IdentityProvider
  supabase: SupabaseSettings
  url: string | undefined
  adminToken: string | undefined
  jwtSecret: string | undefined
  timeoutMs: number
}


export interface BridgeConfig {
  /** Per sender, by name. */
  senders: Readonly<Record<string, SenderConfig>>
  identity: IdentitySettings
  invites: InvitesConfig
  /** BRIDGE_DRY_RUN: verify, match and log what would happen; write nothing. */
  dryRun: boolean
  maxBodyBytes: number
  /** BRIDGE_MAX_INFLIGHT_BYTES: request bodies held at once, across all requests; past it new ones get 503. */
  maxInflightBytes: number
  /** How long a claim is held before another attempt may take it over (a crashed attempt's lease). */
  leaseMs: number
  /** Key for hashing emails into store keys; when unset one is generated and kept in the store. */
  hashKey: string | undefined
  /** The event log and the bridge's own retries. */
  events: EventsConfig
}

/** Reads the bridge's settings from the environment; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env, senders: readonly SenderSettingsReader[]): BridgeConfig {
  return {
    senders: Object.fromEntries(
      senders.map((sender) => [sender.name, { secrets: parseList(env[sender.secretVariable]), settings: sender.readSettings(env) }]),
    ),
    identity: {
      provider: identityProvider(env),
      supabase: { url: httpUrl(env, 'SUPABASE_URL'), serviceRoleKey: optional(env, 'SUPABASE_SERVICE_ROLE_KEY') },
      url: httpUrl(env, 'IDENTITY_URL'),
      adminToken: optional(env, 'IDENTITY_ADMIN_TOKEN'),
      jwtSecret: optional(env, 'IDENTITY_JWT_SECRET'),
      // Identity plus a GitHub lookup must answer well inside GitHub's 10 s limit.
      timeoutMs: positiveInteger(env, 'IDENTITY_TIMEOUT_MS', IDENTITY_TIMEOUT_MS),
    },
    dryRun: flag(env, 'BRIDGE_DRY_RUN'),
    invites: loadInvites(env),
    ...bodyLimits(env),
    leaseMs: leaseOutlastingIdentity(env),
    hashKey: optional(env, 'BRIDGE_HASH_KEY'),
    events: loadEvents(env),
  }
}

/**
 * 1 MiB holds the largest event the senders' catalogues can produce (an
 * invoice with every metadata slot full of 3-byte characters is about 0.95 MB;
 * typical events are 2 to 10 KB). 32 MiB of bodies in flight keeps a flood of
 * near-limit bodies well under 300 MB resident; see the README.
 */
function bodyLimits(env: Env): Pick<BridgeConfig, 'maxBodyBytes' | 'maxInflightBytes'> {
  const maxBodyBytes = positiveInteger(env, 'BRIDGE_MAX_BODY_BYTES', 1024 * 1024)
  const maxInflightBytes = positiveInteger(env, 'BRIDGE_MAX_INFLIGHT_BYTES', 32 * 1024 * 1024)
  if (maxInflightBytes < maxBodyBytes) {
    throw new ConfigError(
      `BRIDGE_MAX_INFLIGHT_BYTES (${maxInflightBytes}) must be at least BRIDGE_MAX_BODY_BYTES (${maxBodyBytes}), or a body at the limit could never be accepted`,
    )
  }
  return { maxBodyBytes, maxInflightBytes }
}

/** `abcdef123456` → `abcd…(12 chars)`: shows which value is set without revealing it. */
export function maskSecret(value: string): string {
  return `${value.slice(0, 4)}…(${value.length} chars)`
}

const IDENTITY_TIMEOUT_MS = 5000

function identityProvider(env: Env): IdentityProvider {
  const value = optional(env, 'IDENTITY_PROVIDER')?.toLowerCase() ?? 'gotrue'
  const known = IDENTITY_PROVIDERS.find((provider) => provider === value)
  if (!known) throw new ConfigError(`IDENTITY_PROVIDER must be ${IDENTITY_PROVIDERS.join(' or ')} (default gotrue), got "${env.IDENTITY_PROVIDER}"`)
  return known
}

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

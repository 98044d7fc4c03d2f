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

/** Where identity points when configured explicitly; the runtime may fill the gaps per request. */
export interface IdentitySettings {
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
      url: httpUrl(env, 'IDENTITY_URL'),
      adminToken: optional(env, 'IDENTITY_ADMIN_TOKEN'),
      jwtSecret: optional(env, 'IDENTITY_JWT_SECRET'),
      // Identity plus a GitHub lookup must answer well inside GitHub's 10 s limit.
      timeoutMs: positiveInteger(env, 'IDENTITY_TIMEOUT_MS', IDENTITY_TIMEOUT_MS),
    },
    dryRun: flag(env, 'BRIDGE_DRY_RUN'),
    invites: loadInvites(env),
    maxBodyBytes: positiveInteger(env, 'BRIDGE_MAX_BODY_BYTES', 1024 * 1024),
    leaseMs: leaseOutlastingIdentity(env),
    hashKey: optional(env, 'BRIDGE_HASH_KEY'),
    events: loadEvents(env),
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

import { ConfigError } from '../domain/errors.ts'
import { optional, positiveInteger, type Env } from './env.ts'

/** The event log, the bridge's own retries, and how long records are kept. */
export interface EventsConfig {
  /** BRIDGE_LOG_DAYS: log entries and daily counts older than this are pruned by the sweep. */
  logDays: number
  /** BRIDGE_RETRY_FIRST_SECONDS: the first retry of a queued event comes no sooner than this. */
  retryFirstSeconds: number
  /** BRIDGE_RETRY_WINDOW_SECONDS: after this long since an event first arrived, a failing event is dead. */
  retryWindowSeconds: number
  /** BRIDGE_SWEEP_SECONDS: how often `npm start` sweeps queued events (Netlify runs its sweep every minute). */
  sweepSeconds: number
  /** BRIDGE_ENCRYPTION_KEY: encrypts queued deliveries at rest; when unset one is generated and kept in the store. */
  encryptionKey: string | undefined
}

// Anything shorter is guessable; the generated key is 32 random bytes.
const MIN_ENCRYPTION_KEY_LENGTH = 32

export function loadEvents(env: Env): EventsConfig {
  const encryptionKey = optional(env, 'BRIDGE_ENCRYPTION_KEY')
  if (encryptionKey !== undefined && encryptionKey.length < MIN_ENCRYPTION_KEY_LENGTH) {
    throw new ConfigError(`BRIDGE_ENCRYPTION_KEY must be at least ${MIN_ENCRYPTION_KEY_LENGTH} characters; make one with \`openssl rand -hex 32\``)
  }
  return {
    logDays: positiveInteger(env, 'BRIDGE_LOG_DAYS', 30),
    retryFirstSeconds: positiveInteger(env, 'BRIDGE_RETRY_FIRST_SECONDS', 60),
    retryWindowSeconds: positiveInteger(env, 'BRIDGE_RETRY_WINDOW_SECONDS', 259_200),
    sweepSeconds: positiveInteger(env, 'BRIDGE_SWEEP_SECONDS', 60),
    encryptionKey,
  }
}

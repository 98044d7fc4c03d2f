import { BridgeError, UpstreamError } from '../core/domain/errors.ts'
import { NewerSchemaError } from './postgres-migrations.ts'

/**
 * Why PostgreSQL failed, in words fit for an HTTP answer: it reaches the
 * webhook's sender, so it names a condition and its code, never the
 * database's address, user, password or the server's own message.
 */
export function describePostgresFailure(error: unknown): { transient: boolean; reason: string } {
  if (error instanceof NewerSchemaError) return { transient: false, reason: error.message }
  const code = (error as { code?: unknown } | null)?.code
  const fromServer = typeof (error as { severity?: unknown } | null)?.severity === 'string'
  if (fromServer && typeof code === 'string') {
    const known = SERVER_CONDITIONS.find(([pattern]) => pattern.test(code))
    if (known) return { transient: known[2], reason: `${known[1]} (${code})` }
    return { transient: false, reason: `the database refused the statement (${code})` }
  }
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return { transient: true, reason: `the database is unreachable (${code})` }
  const message = error instanceof Error ? error.message : ''
  // node-postgres's own connection failures carry no code, only these fixed messages.
  const driver = DRIVER_MESSAGES.find(([pattern]) => pattern.test(message))
  if (driver) return { transient: true, reason: driver[1] }
  return { transient: false, reason: 'an unexpected database client error' }
}

/** Every PostgreSQL failure means "try again later": the sender retries, and the claims were given back. */
export function postgresStoreError(operation: string, key: string, error: unknown): BridgeError {
  if (error instanceof BridgeError) return error
  const { transient, reason } = describePostgresFailure(error)
  // A schema newer than this bridge says what to do in its reason already.
  const hint = transient || error instanceof NewerSchemaError ? '' : '; check BRIDGE_DATABASE_URL and what that user may do'
  return new UpstreamError(503, 'store_unavailable', `PostgreSQL store could not ${operation} "${key}": ${reason}${hint}`, { cause: error })
}

/** SQLSTATE patterns, what they mean here, and whether waiting can fix them. */
const SERVER_CONDITIONS: ReadonlyArray<readonly [RegExp, string, boolean]> = [
  [/^08/, 'the connection to the database failed', true],
  [/^57P0[123]$/, 'the database is shutting down or starting up', true],
  [/^57014$/, 'the statement was cancelled (timeout)', true],
  [/^53/, 'the database is out of resources (too many connections, memory or disk)', true],
  [/^40001$|^40P01$/, 'the database aborted a conflicting transaction', true],
  [/^55P03$/, 'a lock was not available in time', true],
  [/^28/, 'the database refused the credentials', false],
  [/^3D000$/, 'the database does not exist', false],
  [/^42501$/, 'the database user lacks a privilege the bridge needs', false],
]

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
])

const DRIVER_MESSAGES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^Connection terminated/, 'the connection to the database was closed'],
  [/^timeout exceeded when trying to connect/, 'no database connection was free in time'],
  [/^Query read timeout/, 'the database did not answer in time'],
  [/not queryable|Client was closed/, 'the connection to the database was lost'],
  [/^Cannot use a pool after calling end/, 'the store is closed'],
]

import { describe, expect, it } from 'vitest'

import { UpstreamError } from '../../src/core/domain/errors.ts'
import { describePostgresFailure, postgresStoreError } from '../../src/stores/postgres-errors.ts'

/** What node-postgres rejects with when the server answers an error: a code and a severity. */
const serverError = (code: string, message = 'server message') => Object.assign(new Error(message), { code, severity: 'FATAL' })
const networkError = (code: string) => Object.assign(new Error(`connect ${code} 10.1.2.3:5432`), { code })

describe('describePostgresFailure', () => {
  it.each([
    ['57P01', 'shutting down or starting up'],
    ['57P03', 'shutting down or starting up'],
    ['08006', 'connection to the database failed'],
    ['53300', 'out of resources'],
    ['40001', 'aborted a conflicting transaction'],
    ['40P01', 'aborted a conflicting transaction'],
  ])('server code %s is transient: %s', (code, reason) => {
    expect(describePostgresFailure(serverError(code))).toEqual({ transient: true, reason: expect.stringContaining(reason) })
  })

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'])('network error %s is transient', (code) => {
    expect(describePostgresFailure(networkError(code))).toEqual({ transient: true, reason: `the database is unreachable (${code})` })
  })

  it.each(['Connection terminated unexpectedly', 'Connection terminated due to connection timeout', 'timeout exceeded when trying to connect', 'Query read timeout'])(
    'the driver failing with "%s" is transient',
    (message) => {
      expect(describePostgresFailure(new Error(message)).transient).toBe(true)
    },
  )

  it.each([
    ['28P01', 'refused the credentials'],
    ['3D000', 'does not exist'],
    ['42501', 'lacks a privilege'],
    ['42P01', 'refused the statement (42P01)'],
  ])('server code %s is a setup problem: %s', (code, reason) => {
    expect(describePostgresFailure(serverError(code))).toEqual({ transient: false, reason: expect.stringContaining(reason) })
  })
})

describe('postgresStoreError', () => {
  it('is a 503 store_unavailable that keeps the cause but shows neither the address nor the server message', () => {
    const cause = serverError('28P01', 'password authentication failed for user "bridge"')
    const error = postgresStoreError('create', 'event/stripe/evt_1', cause)
    expect(error).toBeInstanceOf(UpstreamError)
    expect(error).toMatchObject({ status: 503, code: 'store_unavailable', cause })
    expect(error.message).toBe('PostgreSQL store could not create "event/stripe/evt_1": the database refused the credentials (28P01); check BRIDGE_DATABASE_URL and what that user may do')
    expect(postgresStoreError('read', 'k', networkError('ECONNREFUSED')).message).not.toContain('10.1.2.3')
  })
})

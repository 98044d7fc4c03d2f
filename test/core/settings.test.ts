import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import inviteBridge from '../../netlify/functions/invite-bridge.ts'
import { bridgeConfig as loadConfig } from '../helpers/senders.ts'
import { postgresTarget, postgresUrl, runMode, withoutCredentials } from '../../src/core/config/env.ts'
import { ConfigError } from '../../src/core/domain/errors.ts'

/** A value shaped like something people paste by mistake: a token, with no URL around it. */
const secretLooking = () => `sk_live_${randomBytes(12).toString('hex')}`

describe('NODE_ENV, read fail-closed', () => {
  it.each([undefined, '', 'development', 'test', 'Development', ' test '])('%j allows local conveniences', (value) => {
    expect(runMode({ NODE_ENV: value })).toBe('development')
  })

  it.each(['production', 'production ', 'Production', 'PRODUCTION', '\tproduction\n'])('%j is production', (value) => {
    expect(runMode({ NODE_ENV: value })).toBe('production')
  })

  it.each(['prod', 'staging', 'live'])('%j is refused, showing the value and the accepted ones', (value) => {
    expect(() => runMode({ NODE_ENV: value })).toThrow(ConfigError)
    expect(() => runMode({ NODE_ENV: value })).toThrow(`NODE_ENV must be unset, development, test or production (any case), got "${value}"`)
  })
})

describe('BRIDGE_MAX_INFLIGHT_BYTES against BRIDGE_MAX_BODY_BYTES', () => {
  it('refuses a budget that could never hold one body at the limit, naming both', () => {
    expect(() => loadConfig({ BRIDGE_MAX_INFLIGHT_BYTES: '65536' })).toThrow(/BRIDGE_MAX_INFLIGHT_BYTES \(65536\) must be at least BRIDGE_MAX_BODY_BYTES \(1048576\)/)
  })

  it('defaults to 1 MiB per body and 32 MiB in flight', () => {
    expect(loadConfig({})).toMatchObject({ maxBodyBytes: 1024 * 1024, maxInflightBytes: 32 * 1024 * 1024 })
  })
})

describe('BRIDGE_LEASE_MS against IDENTITY_TIMEOUT_MS', () => {
  it('refuses a lease shorter than the identity time limit, naming both', () => {
    expect(() => loadConfig({ BRIDGE_LEASE_MS: '3000', IDENTITY_TIMEOUT_MS: '5000' })).toThrow(ConfigError)
    expect(() => loadConfig({ BRIDGE_LEASE_MS: '3000', IDENTITY_TIMEOUT_MS: '5000' })).toThrow(/BRIDGE_LEASE_MS .*IDENTITY_TIMEOUT_MS/)
  })

  it('refuses a lease that outlasts the time limit by less than the time limit again', () => {
    expect(() => loadConfig({ BRIDGE_LEASE_MS: '9999', IDENTITY_TIMEOUT_MS: '5000' })).toThrow(ConfigError)
  })

  it('refuses a raised time limit that the default lease no longer covers', () => {
    expect(() => loadConfig({ IDENTITY_TIMEOUT_MS: '40000' })).toThrow(/BRIDGE_LEASE_MS \(60000 ms\)/)
  })

  it('accepts a lease of at least twice the time limit, and the defaults', () => {
    expect(loadConfig({ BRIDGE_LEASE_MS: '10000', IDENTITY_TIMEOUT_MS: '5000' }).leaseMs).toBe(10_000)
    expect(loadConfig({})).toMatchObject({ leaseMs: 60_000, identity: { timeoutMs: 5000 } })
  })
})

describe('settings that may hold secrets are named, never shown', () => {
  it.each(['IDENTITY_URL', 'GITHUB_API_URL', 'STRIPE_API_URL'])('a %s that is not a URL is named without its value', (name) => {
    const value = secretLooking()
    const env = { [name]: value, GITHUB_WEBHOOK_SECRET: 'x', STRIPE_SECRET_KEY: 'rk_test_x' }
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(name)
    try {
      loadConfig(env)
    } catch (error) {
      expect((error as Error).message).not.toContain(value)
    }
  })

  it('does not show a token that happens to parse as a URL of another scheme', () => {
    const value = `tok:${secretLooking()}`
    try {
      loadConfig({ IDENTITY_URL: value })
      expect.unreachable('a tok: URL is not an identity URL')
    } catch (error) {
      expect((error as Error).message).toContain('IDENTITY_URL')
      expect((error as Error).message).not.toContain(value.slice(4))
      expect((error as Error).message).not.toContain('tok:')
    }
  })

  it('prints URLs without their user name and password', () => {
    expect(withoutCredentials('http://admin:s3cret@identity.example/.netlify/identity')).toBe('http://identity.example/.netlify/identity')
    expect(withoutCredentials('https://token@identity.example')).toBe('https://identity.example')
    expect(withoutCredentials('https://identity.example/.netlify/identity')).toBe('https://identity.example/.netlify/identity')
  })
})

describe('BRIDGE_DATABASE_URL', () => {
  it.each(['postgres://bridge:pw@db.example:5432/bridge', 'postgresql://db.example/bridge?sslmode=require', 'postgres:///bridge?host=/var/run/postgresql'])(
    'accepts %s',
    (value) => {
      expect(postgresUrl({ BRIDGE_DATABASE_URL: ` ${value} ` }, 'BRIDGE_DATABASE_URL')).toBe(value)
    },
  )

  it.each([`https://bridge:${secretLooking()}@db.example/bridge`, `postgres:${secretLooking()}`, secretLooking()])('refuses %s, naming the variable and not the value', (value) => {
    expect(() => postgresUrl({ BRIDGE_DATABASE_URL: value }, 'BRIDGE_DATABASE_URL')).toThrow(ConfigError)
    try {
      postgresUrl({ BRIDGE_DATABASE_URL: value }, 'BRIDGE_DATABASE_URL')
    } catch (error) {
      expect((error as Error).message).toContain('BRIDGE_DATABASE_URL must be a PostgreSQL URL')
      expect((error as Error).message).not.toContain(value.slice(-24))
    }
  })

  it('is printed as host and database only: no user, password, or parameters that may hold one', () => {
    expect(postgresTarget('postgres://bridge:s3cret@db.example:6543/site?sslmode=require&password=other')).toBe('db.example:6543/site')
    expect(postgresTarget('postgres:///site?host=/var/run/postgresql')).toBe('/var/run/postgresql/site')
  })
})

describe('the Netlify function with a malformed IDENTITY_URL', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('answers every caller, GET /health included, 503 naming IDENTITY_URL and never its value', async () => {
    const value = `https://${secretLooking()}@@identity example`
    vi.stubEnv('IDENTITY_URL', value)
    const response = await inviteBridge(new Request('https://site.example/health'), {} as Parameters<typeof inviteBridge>[1])
    const text = await response.text()
    expect(response.status).toBe(503)
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'invalid_configuration', message: expect.stringContaining('IDENTITY_URL') } })
    expect(text).not.toContain(value.slice(8, 40))
  })
})

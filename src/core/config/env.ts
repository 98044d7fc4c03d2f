import { ConfigError } from '../domain/errors.ts'

/** Readers for environment settings: each names the variable when its value is unusable. */
export type Env = Readonly<Record<string, string | undefined>>

/** `"a, b,,c"` → `["a", "b", "c"]`: several secrets are how providers rotate them. */
export function parseList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
}

export function positiveInteger(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim()
  if (!raw) return fallback
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`${name} must be a positive whole number, got "${raw}"`)
  }
  return value
}

export function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value ? value : undefined
}

export function flag(env: Env, name: string): boolean {
  const value = env[name]?.trim().toLowerCase()
  if (!value || value === '0' || value === 'false' || value === 'no') return false
  if (value === '1' || value === 'true' || value === 'yes') return true
  throw new ConfigError(`${name} must be 1 or 0 (true or false), got "${env[name]}"`)
}

/**
 * An http(s) URL setting, without a trailing slash. A URL can carry a
 * password or a token, and these messages reach callers (the function's 503)
 * and terminals: they name the variable, never its value.
 */
export function httpUrl(env: Env, name: string, fallback?: string): string | undefined {
  const value = optional(env, name) ?? fallback
  if (value === undefined) return undefined
  const parsed = URL.parse(value)
  if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') {
    // Not even the scheme is shown: a token pasted here ("sk:abc…") parses as one.
    throw new ConfigError(`${name} must be an http(s) URL like https://example.com; its value is not one (not shown here, as it may hold a secret)`)
  }
  // fetch refuses such URLs: every call would fail as "unreachable", which would send people looking in the wrong place.
  if (parsed.username || parsed.password) {
    throw new ConfigError(`${name} must not carry a user name or password (fetch refuses them): put credentials in their own variable`)
  }
  return value.replace(/\/+$/, '')
}

/**
 * A PostgreSQL connection URL setting (`postgres://` or `postgresql://`).
 * It nearly always holds a password, so, as for httpUrl, no message shows
 * any part of the value.
 */
export function postgresUrl(env: Env, name: string): string | undefined {
  const value = optional(env, name)
  if (value === undefined) return undefined
  const parsed = URL.parse(value)
  const scheme = parsed?.protocol === 'postgres:' || parsed?.protocol === 'postgresql:'
  // A Unix socket is named by `?host=/path` and leaves the host part empty.
  if (!scheme || !(parsed.hostname || parsed.searchParams.get('host'))) {
    throw new ConfigError(`${name} must be a PostgreSQL URL like postgres://user:password@host:5432/database; its value is not one (not shown here, as it may hold a password)`)
  }
  return value
}

/** Where a PostgreSQL URL points, fit to print: `host:port/database`, without the user, password or parameters (which may hold another). */
export function postgresTarget(url: string): string {
  const parsed = URL.parse(url)
  if (!parsed) return '(unreadable URL)'
  const host = parsed.host || parsed.searchParams.get('host') || 'localhost'
  return `${host}${parsed.pathname.length > 1 ? parsed.pathname : ''}`
}

/** A URL fit to print (banner, logs, answers): `https://admin:s3cret@host/x` → `https://host/x`. */
export function withoutCredentials(url: string): string {
  const parsed = URL.parse(url)
  if (!parsed) return '(unreadable URL)'
  if (!parsed.username && !parsed.password) return url
  parsed.username = ''
  parsed.password = ''
  return parsed.href.replace(/\/+$/, '')
}

export type RunMode = 'development' | 'production'

const NODE_ENV_ACCEPTED = 'unset, development, test or production'

/**
 * NODE_ENV decides whether local mode may invent secrets and a sandbox
 * identity, so it fails closed: only an unset, `development` or `test` value
 * allows them, `production` (any case, stray spaces) forbids them, and
 * anything else (`prod`, `staging`) is a typo we refuse rather than guess at.
 */
export function runMode(env: Env): RunMode {
  const value = env.NODE_ENV?.trim().toLowerCase()
  if (!value || value === 'development' || value === 'test') return 'development'
  if (value === 'production') return 'production'
  throw new ConfigError(`NODE_ENV must be ${NODE_ENV_ACCEPTED} (any case), got "${env.NODE_ENV}"`)
}

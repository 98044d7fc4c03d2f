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

export function httpUrl(env: Env, name: string, fallback?: string): string | undefined {
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

import { createHmac, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Secrets local mode invents once, so `npm start` works with nothing configured. Never used in production. */
export interface DevSecrets {
  stripeWebhookSecret: string
  githubWebhookSecret: string
  identityJwtSecret: string
}

const DEV_SECRETS_FILE = 'dev-secrets.json'

export function devSecretsPath(dataDir: string): string {
  return join(dataDir, DEV_SECRETS_FILE)
}

/** Reads the development secrets under `dataDir`, creating the file (owner-only) the first time. */
export function loadOrCreateDevSecrets(dataDir: string): DevSecrets {
  const path = devSecretsPath(dataDir)
  const existing = readDevSecrets(dataDir)
  if (existing) return existing
  const secrets: DevSecrets = {
    stripeWebhookSecret: `whsec_${randomBytes(24).toString('base64')}`,
    githubWebhookSecret: randomBytes(20).toString('hex'),
    identityJwtSecret: randomBytes(32).toString('hex'),
  }
  mkdirSync(dataDir, { recursive: true })
  try {
    // 'wx': if two servers start at once, the second keeps the first one's secrets.
    writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { flag: 'wx', mode: 0o600 })
    return secrets
  } catch {
    return readDevSecrets(dataDir) ?? secrets
  }
}

export function readDevSecrets(dataDir: string): DevSecrets | null {
  try {
    return JSON.parse(readFileSync(devSecretsPath(dataDir), 'utf8')) as DevSecrets
  } catch {
    return null
  }
}

/**
 * A sender's development webhook secret. Stripe's and GitHub's are kept in
 * the file; any other sender's is derived from the file's own secret, so it
 * is stable across restarts without growing the file.
 */
export function devWebhookSecret(secrets: DevSecrets, sender: string): string {
  if (sender === 'stripe') return secrets.stripeWebhookSecret
  if (sender === 'github') return secrets.githubWebhookSecret
  return createHmac('sha256', secrets.identityJwtSecret).update(`webhook-secret:${sender}`).digest('hex')
}

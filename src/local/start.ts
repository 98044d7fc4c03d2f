import { join, relative, resolve } from 'node:path'
import { Hono } from 'hono'
import { createApp } from '../app.ts'
import { loadConfig, maskSecret, type BridgeConfig } from '../core/config/config.ts'
import type { Env } from '../core/config/env.ts'
import { maskEmail } from '../core/domain/email.ts'
import { jsonLineLogger } from '../core/domain/log.ts'
import { createIdentitySandbox, type IdentitySandbox } from '../sandbox/identity-sandbox.ts'
import { loadRulesOrDefaults } from '../rules/file.ts'
import { assertRulesConfigured } from '../rules/load.ts'
import type { RulesFile } from '../rules/schema.ts'
import { openSqliteStore } from '../stores/sqlite-store.ts'
import { devSecretsPath, loadOrCreateDevSecrets } from './dev-secrets.ts'
import { listen } from './listen.ts'
import { serveStaticPage } from './static-page.ts'

export interface LocalServer {
  url: string
  port: number
  /** What `npm start` prints: enabled sources, where identity points, token masked. */
  banner: string[]
  close(): Promise<void>
}

export interface LocalServerOptions {
  env: Env
  /** Where sandbox invite links and banner lines go (default: stdout). */
  print?: (line: string) => void
}

/**
 * The bridge on plain Node, as `npm start` runs it. Off production it fills
 * what is missing so a newcomer needs no setup: development webhook secrets
 * kept under BRIDGE_DATA_DIR, and an identity sandbox at /.netlify/identity
 * when IDENTITY_URL is not set. Production invents nothing.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const { env } = options
  const print = options.print ?? ((line: string) => console.log(line))
  const production = env.NODE_ENV === 'production'
  const dataDir = resolve(env.BRIDGE_DATA_DIR?.trim() || '.data')
  const port = Number(env.PORT?.trim() || 8888)
  const hostname = env.HOST?.trim() || '127.0.0.1'
  const useSandbox = !production && !env.IDENTITY_URL?.trim()

  const dev = production ? null : loadOrCreateDevSecrets(dataDir)
  const generated = {
    stripe: Boolean(dev && !env.STRIPE_WEBHOOK_SECRET?.trim()),
    github: Boolean(dev && !env.GITHUB_WEBHOOK_SECRET?.trim()),
  }
  const config = loadConfig({
    ...env,
    ...(generated.stripe && dev ? { STRIPE_WEBHOOK_SECRET: dev.stripeWebhookSecret } : {}),
    ...(generated.github && dev ? { GITHUB_WEBHOOK_SECRET: dev.githubWebhookSecret } : {}),
  })

  const rules = await localRules(env)
  // Refuse before listening, so a bad setup never half-starts.
  assertRulesConfigured(rules.file.rules, config)
  const root = new Hono()
  const listening = await listen((request, env) => root.fetch(request, env), { hostname, port })
  // Loopback and wildcard binds are all reachable as localhost, the name people type.
  const url = `http://${['127.0.0.1', '0.0.0.0', '::'].includes(hostname) ? 'localhost' : hostname}:${listening.port}`

  let sandbox: IdentitySandbox | undefined
  if (useSandbox && dev) {
    try {
      sandbox = createIdentitySandbox({
        jwtSecret: dev.identityJwtSecret,
        siteUrl: env.SANDBOX_SITE_URL?.trim() || url,
        dataFile: join(dataDir, 'identity-users.json'),
        onInvite: (invite) => print(`[identity sandbox] invite sent to ${maskEmail(invite.email)}: ${invite.link}`),
      })
    } catch (error) {
      // Another server owns the sandbox's users: refuse whole, without a listener left open.
      await listening.close()
      throw error
    }
    root.route('/.netlify/identity', sandbox.app)
    // The bridge reaches the sandbox over loopback HTTP, exactly as it would reach Netlify.
    config.identity = { ...config.identity, url: `http://127.0.0.1:${listening.port}/.netlify/identity`, jwtSecret: dev.identityJwtSecret, adminToken: undefined }
  }
  const store = openSqliteStore({ dir: dataDir })
  root.route('/', createApp({ config, store, log: jsonLineLogger, rules: rules.file }))
  root.get('/', serveStaticPage(new URL('../../public/index.html', import.meta.url)))
  root.notFound((c) => c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404))

  const banner = describe({ config, url, dataDir, production, useSandbox, generated, rules: rules.origin })
  return {
    url,
    port: listening.port,
    banner,
    close: async () => {
      await listening.close()
      await store.close?.()
      sandbox?.close()
    },
  }
}

function describe(facts: {
  config: BridgeConfig
  url: string
  dataDir: string
  production: boolean
  useSandbox: boolean
  generated: { stripe: boolean; github: boolean }
  rules: string
}): string[] {
  const { config, url, dataDir, generated } = facts
  const where = shortPath(dataDir)
  const secretsFile = shortPath(devSecretsPath(dataDir))
  const source = (name: 'stripe' | 'github', enabled: boolean, variable: string) =>
    !enabled
      ? `  ${name}: disabled (set ${variable})`
      : `  ${name}: ${url}/webhooks/${name}${generated[name] ? ` (development secret in ${secretsFile})` : ''}`
  const identity = facts.useSandbox
    ? `  identity: SANDBOX at ${url}/.netlify/identity (development only, users in ${where}/identity-users.json; set IDENTITY_URL for a real one)`
    : config.identity.url
      ? `  identity: ${config.identity.url} (${config.identity.adminToken ? `token ${maskSecret(config.identity.adminToken)}` : config.identity.jwtSecret ? `JWT secret ${maskSecret(config.identity.jwtSecret)}` : 'NO admin credential: set IDENTITY_ADMIN_TOKEN or IDENTITY_JWT_SECRET'})`
      : '  identity: NOT CONFIGURED: deliveries that invite answer 503 until IDENTITY_URL and IDENTITY_ADMIN_TOKEN (or IDENTITY_JWT_SECRET) are set'
  return [
    `invite-bridge listening on ${url}${facts.production ? '' : ' (local mode)'}`,
    source('stripe', config.stripe !== null, 'STRIPE_WEBHOOK_SECRET'),
    source('github', config.github !== null, 'GITHUB_WEBHOOK_SECRET'),
    identity,
    `  rules: ${facts.rules}`,
    `  store: ${where}/invite-bridge.sqlite`,
  ]
}

/** A path as the person who started the server would type it. */
function shortPath(path: string): string {
  const fromHere = relative(process.cwd(), path)
  return fromHere === '' ? '.' : fromHere.startsWith('..') ? path : fromHere
}

/** The rules file, or the built-in defaults when none was asked for and none is in the working directory. */
async function localRules(env: Env): Promise<{ file: RulesFile; origin: string }> {
  const { rules, path } = await loadRulesOrDefaults(env)
  return path === null
    ? { file: rules, origin: 'built-in defaults (invite paying buyers and new org members)' }
    : { file: rules, origin: `${shortPath(path)} (${rules.rules.length} rules)` }
}

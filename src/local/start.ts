import { join, relative, resolve } from 'node:path'
import { Hono } from 'hono'
import { createApp } from '../app.ts'
import { loadConfig, maskSecret, type BridgeConfig } from '../core/config/config.ts'
import { postgresTarget, postgresUrl, runMode, withoutCredentials, type Env } from '../core/config/env.ts'
import { maskEmail } from '../core/domain/email.ts'
import { jsonLineLogger } from '../core/domain/log.ts'
import { loadSendersFromFile } from '../handlers/senders.ts'
import { canReadApi, cataloguesOf } from '../handlers/registry.ts'
import type { SenderRuntime } from '../handlers/sender.ts'
import { createIdentitySandbox, type IdentitySandbox } from '../sandbox/identity-sandbox.ts'
import { rulesNeedingApiKey } from '../rules/load.ts'
import type { RulesFile } from '../rules/schema.ts'
import { openPostgresStore } from '../stores/postgres-store.ts'
import { openSqliteStore } from '../stores/sqlite-store.ts'
import { devSecretsPath, devWebhookSecret, loadOrCreateDevSecrets } from './dev-secrets.ts'
import { listen } from './listen.ts'
import { startSweepTimer } from './sweep-timer.ts'
import { createDeferred, RECORD_ONLY_PREFIXES } from '../core/event-log/event-log.ts'
import { SECRET_RECORDS, storedSecret } from '../core/exactly-once/stored-secret.ts'
import { requestSweep } from '../handlers/routes/admin-api.ts'
import { serveStaticPage } from './static-page.ts'

export interface LocalServer {
  url: string
  port: number
  /** What `npm start` prints: enabled sources, where identity points, token masked. */
  banner: string[]
  /** The identity sandbox at /.netlify/identity, when this server runs one: its users, invites and faults. */
  sandbox: IdentitySandbox | undefined
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
 * when IDENTITY_URL is not set. Production invents nothing; a NODE_ENV that
 * is neither (`prod`, `staging`) stops it.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const { env } = options
  const print = options.print ?? ((line: string) => console.log(line))
  // First: a NODE_ENV we cannot read must stop us before any secret is invented.
  const production = runMode(env) === 'production'
  const dataDir = resolve(env.BRIDGE_DATA_DIR?.trim() || '.data')
  const port = Number(env.PORT?.trim() || 8888)
  const hostname = env.HOST?.trim() || '127.0.0.1'
  // The sandbox stands in for GoTrue only: a Supabase project is always a real one.
  const useSandbox = !production && !env.IDENTITY_URL?.trim() && env.IDENTITY_PROVIDER?.trim().toLowerCase() !== 'supabase'

  // Read first: the rules file may define senders, whose secrets and routes follow.
  const rules = await localRules(env)
  const { senders } = rules
  const dev = production ? null : loadOrCreateDevSecrets(dataDir)
  // Off production, a sender whose secret is not set gets a development one, so `send` works at once;
  // not one whose rules need an API key that is not set (Paddle's always do): it stays off instead of stopping npm start.
  const lacksKey = sendersLackingKeys(senders, rules.file, env)
  const generated = new Map(
    senders.flatMap((sender) => {
      const secret = dev && !env[sender.secretVariable]?.trim() && !lacksKey.has(sender.name) ? devWebhookSecret(dev, sender.name) : undefined
      return secret ? [[sender.name, { variable: sender.secretVariable, secret }] as const] : []
    }),
  )
  // Refuse before listening, so a bad setup never half-starts (createApp checks the rules against the settings).
  const config = loadConfig({ ...env, ...Object.fromEntries([...generated.values()].map(({ variable, secret }) => [variable, secret])) }, senders)
  // Only the bridge's own variable: a DATABASE_URL set for the site's app is not ours to create tables in.
  const databaseUrl = postgresUrl(env, 'BRIDGE_DATABASE_URL')
  const store = databaseUrl ? openPostgresStore({ url: databaseUrl }) : openSqliteStore({ dir: dataDir, relaxedPrefixes: RECORD_ONLY_PREFIXES })
  // The event log records a result on the next turn, not before the answer (see "Performance" in the README).
  const deferred = createDeferred(jsonLineLogger)
  let app: Hono
  try {
    app = createApp({ config, store, senders, log: jsonLineLogger, rules: rules.file, deferred })
  } catch (error) {
    await store.close?.()
    throw error
  }
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
      // Another server owns the sandbox's users: refuse whole, without a listener or the store left open.
      await listening.close()
      await store.close?.()
      throw error
    }
    root.route('/.netlify/identity', sandbox.app)
    // The bridge reaches the sandbox over loopback HTTP, exactly as it would reach Netlify.
    config.identity = { ...config.identity, url: `http://127.0.0.1:${listening.port}/.netlify/identity`, jwtSecret: dev.identityJwtSecret, adminToken: undefined }
  }
  root.route('/', app)
  root.get('/', serveStaticPage(new URL('../../public/index.html', import.meta.url)))
  root.notFound((c) => c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404))

  // The bridge's own retries: the same sweep Netlify's scheduled function asks for, through the same route.
  const sweepSecret = storedSecret(store, SECRET_RECORDS.sweep)
  const sweeper = startSweepTimer({
    everyMs: config.events.sweepSeconds * 1000,
    sweep: async () => {
      const response = await requestSweep((url, init) => app.request(url, init), { secret: await sweepSecret() })
      if (!response.ok) throw new Error(`sweep answered ${response.status}: ${await response.text()}`)
    },
    onError: (error) => jsonLineLogger({ level: 'error', route: 'sweep', message: error instanceof Error ? error.message : String(error) }),
  })

  const storeLine = databaseUrl
    ? `PostgreSQL at ${postgresTarget(databaseUrl)} (BRIDGE_DATABASE_URL; tables invite_bridge_*)`
    : `${shortPath(dataDir)}/invite-bridge.sqlite`
  const banner = describe({ config, senders, url, dataDir, production, useSandbox, generated, lacksKey, rules: rules.origin, store: storeLine })
  return {
    url,
    port: listening.port,
    banner,
    sandbox,
    close: async () => {
      await sweeper.stop()
      await listening.close()
      // What was answered is recorded before the store goes.
      await deferred.settled()
      await store.close?.()
      sandbox?.close()
    },
  }
}

function describe(facts: {
  config: BridgeConfig
  senders: readonly SenderRuntime[]
  url: string
  dataDir: string
  production: boolean
  useSandbox: boolean
  generated: ReadonlyMap<string, unknown>
  /** Senders left off because their rules need an API key: the key's variable. */
  lacksKey: ReadonlyMap<string, string[]>
  rules: string
  store: string
}): string[] {
  const { config, url, dataDir, generated } = facts
  const where = shortPath(dataDir)
  const secretsFile = shortPath(devSecretsPath(dataDir))
  const source = (name: string, variable: string) =>
    !config.senders[name]?.secrets.length
      ? `  ${name}: disabled (set ${[variable, ...(facts.lacksKey.get(name) ?? [])].join(' and ')})`
      : `  ${name}: ${url}/webhooks/${name}${generated.has(name) ? ` (development secret in ${secretsFile})` : ''}`
  const { supabase } = config.identity
  const identity = config.identity.provider === 'supabase'
    ? supabase.url && supabase.serviceRoleKey
      ? `  identity: Supabase Auth at ${withoutCredentials(supabase.url)}/auth/v1 (service role key set)`
      : `  identity: NOT CONFIGURED: deliveries that invite answer 503 until ${[supabase.url ? '' : 'SUPABASE_URL', supabase.serviceRoleKey ? '' : 'SUPABASE_SERVICE_ROLE_KEY'].filter(Boolean).join(' and ')} ${supabase.url || supabase.serviceRoleKey ? 'is' : 'are'} set`
    : facts.useSandbox
    ? `  identity: SANDBOX at ${url}/.netlify/identity (development only, users in ${where}/identity-users.json; set IDENTITY_URL for a real one)`
    : config.identity.url
      ? `  identity: ${withoutCredentials(config.identity.url)} (${config.identity.adminToken ? `token ${maskSecret(config.identity.adminToken)}` : config.identity.jwtSecret ? `JWT secret ${maskSecret(config.identity.jwtSecret)}` : 'NO admin credential: set IDENTITY_ADMIN_TOKEN or IDENTITY_JWT_SECRET'})`
      : '  identity: NOT CONFIGURED: deliveries that invite answer 503 until IDENTITY_URL and IDENTITY_ADMIN_TOKEN (or IDENTITY_JWT_SECRET) are set'
  return [
    `invite-bridge listening on ${url}${facts.production ? '' : ' (local mode)'}`,
    ...facts.senders.map((sender) => source(sender.name, sender.secretVariable)),
    identity,
    `  rules: ${facts.rules}`,
    `  store: ${facts.store}`,
  ]
}

/** Senders whose rules need an API key that is not set, with that key's variable. */
function sendersLackingKeys(senders: readonly SenderRuntime[], rules: RulesFile, env: Env): Map<string, string[]> {
  const needing = new Set(rulesNeedingApiKey(rules.rules, cataloguesOf(senders)).map((index) => rules.rules[index]!.source))
  return new Map(
    senders.flatMap((sender) => {
      const key = sender.catalogue.api?.keyVariable
      return key && needing.has(sender.name) && !canReadApi(sender, sender.readSettings(env)) ? [[sender.name, [key]] as const] : []
    }),
  )
}

/** A path as the person who started the server would type it. */
function shortPath(path: string): string {
  const fromHere = relative(process.cwd(), path)
  return fromHere === '' ? '.' : fromHere.startsWith('..') ? path : fromHere
}

/** The rules file, or the built-in defaults when none was asked for and none is in the working directory. */
async function localRules(env: Env) {
  const { senders, rules, path } = await loadSendersFromFile(env)
  return path === null
    ? { senders, file: rules, origin: 'built-in defaults (invite paying buyers and new org members)' }
    : { senders, file: rules, origin: `${shortPath(path)} (${rules.rules.length} rules)` }
}

import type { Context } from 'hono'
import { Hono } from 'hono/tiny'
import { createGoTrueClient } from './core/clients/gotrue-client.ts'
import { resolveIdentityTarget } from './core/clients/identity-target.ts'
import { createSupabaseClient, supabaseOptions } from './core/clients/supabase-client.ts'
import type { BridgeConfig } from './core/config/config.ts'
import type { SenderReads } from './core/domain/catalogue.ts'
import { errorAnswer } from './core/domain/errors.ts'
import type { IdentityClient, RuntimeIdentity } from './core/domain/identity.ts'
import { jsonLineLogger, type Logger } from './core/domain/log.ts'
import type { KeyValueStore } from './core/exactly-once/store.ts'
import { hashKeyLoader } from './core/exactly-once/hash-key.ts'
import type { PipelineDeps } from './core/pipeline/process.ts'
import { createEventLog, type Deferred } from './core/event-log/event-log.ts'
import { SECRET_RECORDS, storedSecret } from './core/exactly-once/stored-secret.ts'
import { cataloguesOf, SENDER_RUNTIMES, senderStates } from './handlers/registry.ts'
import { registerAdminApi } from './handlers/routes/admin-api.ts'
import { bodyBudget, bodyLimit } from './handlers/routes/body-limit.ts'
import { adminPageRoute } from './handlers/routes/admin-page.ts'
import { requireInviter } from './handlers/routes/caller.ts'
import { healthRoute } from './handlers/routes/health.ts'
import { invitesRoute } from './handlers/routes/invites.ts'
import { logRequest } from './handlers/routes/request-log.ts'
import { webhookRoute } from './handlers/routes/webhook.ts'
import type { SenderRuntime } from './handlers/sender.ts'
import { assertRulesConfigured, defaultRules } from './rules/load.ts'
import type { RulesFile } from './rules/schema.ts'

export interface AppDeps {
  config: BridgeConfig
  store: KeyValueStore
  fetch?: typeof fetch
  /** ms clock. */
  now?: () => number
  log?: Logger
  /** What the runtime offers this request (Netlify's identity context); explicit config wins over it. */
  runtimeIdentity?: (c: Context) => RuntimeIdentity | null
  /** The identity client for a request; defaults to the configured provider over HTTP (GoTrue at the resolved target, or Supabase Auth). */
  identity?: (c: Context) => IdentityClient
  /** Which events invite whom with which roles; defaults to each sender's invite-only defaults. */
  rules?: RulesFile
  /** The webhook senders served at /webhooks/<name>; defaults to the built-in ones (SENDER_RUNTIMES). */
  senders?: readonly SenderRuntime[]
  /**
   * How this request's runtime runs work once the answer is out, and stays
   * alive for it (Netlify's context.waitUntil). Absent, or answering
   * undefined, a delivery's closing writes are awaited before the answer.
   */
  afterAnswer?: (c: Context) => ((work: () => Promise<void>) => void) | undefined
  /**
   * A long-lived server's own place for work after the answer (npm start):
   * the event log records results there, on the next turn, and the admin
   * API waits for it before reading. The pipeline's closing writes are not
   * moved: without a runtime's afterAnswer they still precede the answer.
   */
  deferred?: Deferred
}

/**
 * Builds the bridge: the composition root. Everything with a side effect
 * comes in through `deps`, so tests and both runtimes share this code; the
 * senders' catalogues and reads are handed to rules and the pipeline here,
 * so neither knows any sender.
 */
export function createApp(deps: AppDeps): Hono {
  const { config, store } = deps
  const senders = deps.senders ?? SENDER_RUNTIMES
  const catalogues = cataloguesOf(senders)
  const now = deps.now ?? Date.now
  const log = deps.log ?? jsonLineLogger
  const doFetch = deps.fetch ?? ((input, init) => fetch(input, init))

  const identity =
    deps.identity ??
    (config.identity.provider === 'supabase'
      ? // Netlify's runtime identity context is Netlify Identity's: it says nothing about a Supabase project.
        () => createSupabaseClient({ ...supabaseOptions(config.identity.supabase), fetch: doFetch, timeoutMs: config.identity.timeoutMs })
      : (c: Context) =>
          createGoTrueClient({
            target: resolveIdentityTarget(config.identity, deps.runtimeIdentity?.(c)),
            fetch: doFetch,
            timeoutMs: config.identity.timeoutMs,
            now,
          }))
  const states = senderStates(senders, config)
  const senderConfig = states.config
  const readsBySender = new Map<string, SenderReads | null>(
    senders.map((sender) => [sender.name, sender.reads?.(senderConfig(sender).settings, doFetch) ?? null]),
  )
  const reads = (source: string) => readsBySender.get(source) ?? null
  const rules = (deps.rules ?? defaultRules(catalogues)).rules
  assertRulesConfigured(rules, catalogues, (source) => reads(source) !== null, states.enabled)
  const hashKey = hashKeyLoader(store, config.hashKey)
  const recording = new Map<string, string>()
  const afterAnswer = (c: Context): Pick<PipelineDeps, 'afterAnswer' | 'recording'> => {
    const keepAlive = deps.afterAnswer?.(c)
    if (!keepAlive) return {}
    // The answer has gone: a failure here has no request to fail, only a line of its own.
    const logged = (work: () => Promise<void>) => () =>
      work().catch((error: unknown) => log({ level: 'error', after: 'answer', ...errorAnswer(error).log }))
    return { afterAnswer: (work) => keepAlive(logged(work)), recording }
  }
  const pipeline = (c: Context): PipelineDeps => ({
    store,
    identity: () => identity(c),
    reads,
    rules,
    catalogues,
    dryRun: config.dryRun,
    hashKey,
    now,
    leaseMs: config.leaseMs,
    identityTimeoutMs: config.identity.timeoutMs,
    ...afterAnswer(c),
  })

  const eventLog = createEventLog({
    store,
    now,
    settings: config.events,
    sealKey: storedSecret(store, SECRET_RECORDS.encryption, config.events.encryptionKey),
    hashKey,
    leaseMs: config.leaseMs,
    warn: log,
  }, deps.deferred ? { deferred: deps.deferred } : {})

  const app = new Hono()
  // One budget per app, shared by every route that reads a body.
  const limit = bodyLimit({ maxBytes: config.maxBodyBytes, budget: bodyBudget(config.maxInflightBytes) })

  app.on('GET', ['/invite-bridge', '/invite-bridge/'], adminPageRoute())
  app.get('/health', healthRoute(senders.map((sender) => ({ name: sender.name, enabled: states.enabled(sender.name) }))))
  for (const sender of senders) {
    app.post(`/webhooks/${sender.name}`, limit, webhookRoute({ sender, config: senderConfig(sender), pipeline, log, now, eventLog }))
  }
  // Who may invite, and who may read the event log: the same callers.
  const inviter = { apiKeys: config.invites.apiKeys, adminRole: config.invites.adminRole, jwtSecret: config.identity.jwtSecret, identity, now }
  app.post('/invites', limit, logRequest({ route: 'invites', caller: 'none' }, log, now), requireInviter(inviter), invitesRoute({ settings: config.invites, pipeline, now }))
  registerAdminApi(app, {
    eventLog,
    pipeline,
    identity,
    inviter,
    hashKey,
    sweepSecret: storedSecret(store, SECRET_RECORDS.sweep),
    log,
    now,
  })

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404))
  app.onError((error, c) => {
    const answer = errorAnswer(error)
    // Expected errors are in the request's own log line; only the unexpected get one of their own here.
    if (answer.body.error.code === 'internal_error') log({ level: 'error', ...answer.log })
    return c.json(answer.body, answer.status, answer.headers)
  })
  return app
}

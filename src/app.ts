import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { BridgeConfig } from './core/config/config.ts'
import { BridgeError, PayloadTooLargeError, UnauthorizedError } from './core/domain/errors.ts'
import { createGitHubDirectory } from './handlers/github/directory.ts'
import { createGoTrueClient } from './core/clients/gotrue-client.ts'
import { hashKeyLoader } from './core/exactly-once/hash-key.ts'
import { resolveIdentityTarget, type IdentityClient, type RuntimeIdentity } from './core/domain/identity.ts'
import { jsonLineLogger, type Logger } from './core/domain/log.ts'
import type { PipelineDeps } from './core/pipeline/process.ts'
import type { KeyValueStore } from './core/exactly-once/store.ts'
import { createStripeApi } from './handlers/stripe/api.ts'
import { assertRulesConfigured, DEFAULT_RULES } from './rules/load.ts'
import type { RulesFile } from './rules/schema.ts'
import { githubSource } from './handlers/github/verify.ts'
import { healthRoute } from './handlers/routes/health.ts'
import { invitesRoute } from './handlers/routes/invites.ts'
import { stripeSource } from './handlers/stripe/verify.ts'
import { webhookRoute } from './handlers/routes/webhook.ts'

export interface AppDeps {
  config: BridgeConfig
  store: KeyValueStore
  fetch?: typeof fetch
  /** ms clock. */
  now?: () => number
  log?: Logger
  /** What the runtime offers this request (Netlify's identity context); explicit config wins over it. */
  runtimeIdentity?: (c: Context) => RuntimeIdentity | null
  /** The identity client for a request; defaults to GoTrue over HTTP at the resolved target. */
  identity?: (c: Context) => IdentityClient
  /** Which events invite whom with which roles; defaults to invite-only rules (DEFAULT_RULES). */
  rules?: RulesFile
}

/** Builds the bridge. Everything with a side effect comes in through `deps`, so tests and both runtimes share this code. */
export function createApp(deps: AppDeps): Hono {
  const { config, store } = deps
  const now = deps.now ?? Date.now
  const log = deps.log ?? jsonLineLogger
  const doFetch = deps.fetch ?? ((input, init) => fetch(input, init))

  const identity =
    deps.identity ??
    ((c: Context) =>
      createGoTrueClient({
        target: resolveIdentityTarget(config.identity, deps.runtimeIdentity?.(c)),
        fetch: doFetch,
        timeoutMs: config.identity.timeoutMs,
        now,
      }))
  const lookupGitHubUser = config.github
    ? createGitHubDirectory({ settings: config.github, fetch: doFetch })
    : async () => null
  const rules = (deps.rules ?? DEFAULT_RULES).rules
  assertRulesConfigured(rules, config)
  const stripeApi = config.stripeApi ? createStripeApi(config.stripeApi, doFetch) : null
  const hashKey = hashKeyLoader(store, config.hashKey)
  const pipeline = (c: Context): PipelineDeps => ({
    store,
    identity: () => identity(c),
    lookupGitHubUser,
    stripeApi,
    rules,
    dryRun: config.dryRun,
    hashKey,
    now,
    leaseMs: config.leaseMs,
  })

  const app = new Hono()
  const limit = bodyLimit({
    maxSize: config.maxBodyBytes,
    onError: () => {
      throw new PayloadTooLargeError(config.maxBodyBytes)
    },
  })

  app.get('/health', healthRoute(config))
  app.post('/webhooks/stripe', limit, webhookRoute({ source: stripeSource, settings: config.stripe, pipeline, log, now }))
  app.post('/webhooks/github', limit, webhookRoute({ source: githubSource, settings: config.github, pipeline, log, now }))
  app.post('/invites', limit, invitesRoute({ settings: config.invites, pipeline, log, now }))

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404))
  app.onError((error, c) => errorResponse(error, c, log))
  return app
}

/** The one place an error becomes an HTTP answer: a code and a message, never a stack or a secret. */
export function errorResponse(error: unknown, c: Context, log: Logger): Response {
  if (error instanceof BridgeError) {
    if (error.retryAfter !== undefined) c.header('Retry-After', String(error.retryAfter))
    if (error instanceof UnauthorizedError) c.header('WWW-Authenticate', error.challenge)
    return c.json({ error: { code: error.code, message: error.message } }, error.status)
  }
  // Most often the store failing: transient, so "retry me" is the honest answer.
  log({ level: 'error', error: error instanceof Error ? error.name : 'unknown', message: error instanceof Error ? error.message : String(error) })
  return c.json({ error: { code: 'internal_error', message: 'The bridge failed unexpectedly; the delivery may be retried' } }, 503)
}

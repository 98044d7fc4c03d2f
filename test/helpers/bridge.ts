import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Hono } from 'hono'
import { createApp, type AppDeps } from '../../src/app.ts'
import { loadConfig } from '../../src/core/config/config.ts'
import { SENDERS } from '../../src/handlers/registry.ts'
import type { Sender } from '../../src/handlers/sender.ts'
import type { Env } from '../../src/core/config/env.ts'
import type { LogFields } from '../../src/core/domain/log.ts'
import type { KeyValueStore } from '../../src/core/exactly-once/store.ts'
import { serveIdentitySandbox, type ServedIdentitySandbox } from '../../src/sandbox/serve.ts'
import { openSqliteStore } from '../../src/stores/sqlite-store.ts'
import type { SweepReport } from '../../src/core/event-log/event-log.ts'
import { SECRET_RECORDS, storedSecret } from '../../src/core/event-log/stored-secret.ts'
import { ADMIN_API, SWEEP_HEADER } from '../../src/handlers/routes/admin-api.ts'
import { githubSecret, stripeRequest, stripeSecret } from './signing.ts'

/** A webhook answer, flattened: the status, Retry-After, and the JSON body's fields. */
export type WebhookAnswer = {
  status: number
  retryAfter: string | null
  outcome?: string
  reason?: string
  error?: { code: string; message: string }
} & Record<string, any>

export interface TestBridge {
  app: Hono
  identity: ServedIdentitySandbox
  store: KeyValueStore
  /** The local store's folder. */
  dataDir: string
  secrets: { stripe: string; github: string }
  /** The identity instance's HS256 secret, for forging tokens it must refuse. */
  jwtSecret: string
  logs: LogFields[]
  /** Invites the identity server really sent, by address. */
  invitesTo(email: string): number
  /**
   * POST /invite requests identity received for an address, sent or refused.
   * The identity server itself refuses a second invite, so only this count
   * shows whether the bridge's own de-duplication held.
   */
  inviteRequestsTo(email: string): number
  /** Signs an event as Stripe would (with the bridge's secret unless another is given) and delivers it. */
  deliverStripe(event: unknown, secret?: string): Promise<WebhookAnswer>
  /** Delivers like Stripe does: any non-2xx answer is retried shortly, until accepted. */
  deliverStripeUntilAccepted(event: unknown): Promise<WebhookAnswer>
  /** One sweep of the events the bridge queued, as the scheduled function or `npm start`'s timer runs it. */
  sweep(): Promise<SweepReport>
  /** Sweeps again and again (the retries are due a second or so apart) until `done` holds; throws after `limitMs`. */
  sweepUntil(done: () => boolean | Promise<boolean>, limitMs?: number): Promise<void>
  close(): Promise<void>
}

/**
 * The bridge as tests see it: the real app (called with app.request), a real
 * GoTrue-contract identity server on 127.0.0.1, and the real local store in a
 * temp folder. `env` overrides or removes (undefined) any setting.
 */
export async function startTestBridge(
  options: { env?: Env; senders?: readonly Sender[]; deps?: (identity: ServedIdentitySandbox) => Promise<Partial<AppDeps>> } = {},
): Promise<TestBridge> {
  const dir = await mkdtemp(join(tmpdir(), 'invite-bridge-test-'))
  const jwtSecret = randomBytes(32).toString('hex')
  const identity = await serveIdentitySandbox({ jwtSecret, siteUrl: 'http://localhost:8888' })
  const secrets = { stripe: stripeSecret(), github: githubSecret() }
  const env: Env = {
    STRIPE_WEBHOOK_SECRET: secrets.stripe,
    GITHUB_WEBHOOK_SECRET: secrets.github,
    IDENTITY_URL: identity.url,
    IDENTITY_JWT_SECRET: jwtSecret,
    IDENTITY_TIMEOUT_MS: '1500',
    // The bridge's own first retry a second after a failure, so tests watch the whole cycle.
    BRIDGE_RETRY_FIRST_SECONDS: '1',
    ...options.env,
  }
  const store = openSqliteStore({ dir })
  const logs: LogFields[] = []
  let app: Hono
  try {
    const senders = options.senders ?? SENDERS
    app = createApp({ config: loadConfig(env, senders), senders, store, log: (fields) => logs.push(fields), ...(await options.deps?.(identity)) })
  } catch (error) {
    await identity.close()
    await store.close?.()
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  async function deliverStripe(event: unknown, secret = secrets.stripe): Promise<WebhookAnswer> {
    const response = await app.request('/webhooks/stripe', await stripeRequest(event, secret))
    return { status: response.status, retryAfter: response.headers.get('retry-after'), ...((await response.json()) as object) }
  }
  const sweepSecret = storedSecret(store, SECRET_RECORDS.sweep)
  async function sweep(): Promise<SweepReport> {
    const response = await app.request(`${ADMIN_API}/sweep`, { method: 'POST', headers: { [SWEEP_HEADER]: await sweepSecret() } })
    if (response.status !== 200) throw new Error(`sweep answered ${response.status}: ${await response.text()}`)
    return (await response.json()) as SweepReport
  }
  return {
    app,
    identity,
    sweep,
    async sweepUntil(done, limitMs = 15_000) {
      const deadline = Date.now() + limitMs
      for (;;) {
        await sweep()
        if (await done()) return
        if (Date.now() > deadline) throw new Error(`still not done after sweeping for ${limitMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    store,
    dataDir: dir,
    secrets,
    jwtSecret,
    logs,
    inviteRequestsTo: (email) => identity.sandbox.inviteRequests.filter((asked) => asked.toLowerCase() === email.toLowerCase()).length,
    invitesTo: (email) => identity.sandbox.invites.filter((invite) => invite.email.toLowerCase() === email.toLowerCase()).length,
    deliverStripe,
    async deliverStripeUntilAccepted(event) {
      for (let attempt = 0; attempt < 30; attempt++) {
        const answer = await deliverStripe(event)
        if (answer.status < 300) return answer
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      throw new Error('the delivery was never accepted')
    },
    async close() {
      await identity.close()
      await store.close?.()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

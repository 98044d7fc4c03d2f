import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Hono } from 'hono'
import { createApp, type AppDeps } from '../../src/app.ts'
import { loadConfig, type IdentityProvider } from '../../src/core/config/config.ts'
import { SENDERS } from '../../src/handlers/senders.ts'
import type { Sender } from '../../src/handlers/sender.ts'
import type { Env } from '../../src/core/config/env.ts'
import type { LogFields } from '../../src/core/domain/log.ts'
import type { KeyValueStore } from '../../src/core/exactly-once/store.ts'
import type { FaultSwitch } from '../../src/sandbox/faults.ts'
import { serveIdentitySandbox, type ServedIdentitySandbox } from '../../src/sandbox/serve.ts'
import { openSqliteStore } from '../../src/stores/sqlite-store.ts'
import type { SweepReport } from '../../src/core/event-log/event-log.ts'
import { SECRET_RECORDS, storedSecret } from '../../src/core/exactly-once/stored-secret.ts'
import { requestSweep } from '../../src/handlers/routes/admin-api.ts'
import { githubSecret, stripeRequest, stripeSecret } from './signing.ts'
import { serveSupabaseDouble, type ServedSupabaseDouble } from './supabase-double/serve.ts'

/**
 * Which identity server the test bridge talks to: the GoTrue sandbox, or the
 * Supabase Auth double when TEST_IDENTITY=supabase (the `supabase` vitest
 * project runs the webhook suite so).
 */
export const TEST_IDENTITY: IdentityProvider = process.env.TEST_IDENTITY === 'supabase' ? 'supabase' : 'gotrue'

/** The settings that point the bridge at identity: what a test removes or breaks, and what the 503 must name. */
export const IDENTITY_VARIABLES = {
  gotrue: { url: 'IDENTITY_URL', credential: 'IDENTITY_JWT_SECRET', named: 'IDENTITY_ADMIN_TOKEN' },
  supabase: { url: 'SUPABASE_URL', credential: 'SUPABASE_SERVICE_ROLE_KEY', named: 'SUPABASE_SERVICE_ROLE_KEY' },
}[TEST_IDENTITY]

/** A user as both servers answer it, as far as the tests read it. */
export interface TestUser {
  id: string
  email: string
  app_metadata?: Record<string, unknown> | null
  user_metadata?: Record<string, unknown> | null
}

/** What a webhook test may ask of identity, whichever server it is. */
export interface TestIdentity {
  provider: IdentityProvider
  /** Faults on POST /invite (src/sandbox/faults.ts), the same kinds for both servers. */
  faults: FaultSwitch
  /** Invite mails sent, in order (Supabase counts a re-sent invite again). */
  invites: ReadonlyArray<{ email: string }>
  /** The address of every POST /invite identity received. */
  inviteRequests: ReadonlyArray<string>
  users(): TestUser[]
  /** Invites straight at identity, as a site owner would from its dashboard: the bridge does not know. */
  inviteDirectly(email: string): Promise<void>
  /** Deletes a user, as a site owner would from its dashboard. */
  deleteUser(id: string): Promise<void>
}

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
  /** Whichever identity server this run uses. */
  idp: TestIdentity
  /** The GoTrue sandbox itself (sessions, admin tokens); throws when the run uses Supabase. */
  identity: ServedIdentitySandbox
  /** The Supabase double itself (keys, access tokens, settings); throws when the run uses GoTrue. */
  supabase: ServedSupabaseDouble
  store: KeyValueStore
  /** The local store's folder. */
  dataDir: string
  secrets: { stripe: string; github: string }
  /** The GoTrue instance's HS256 secret, for forging tokens it must refuse; throws when the run uses Supabase. */
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
  /** The site roles (`app_metadata.roles`) identity holds for the account at `email`, sorted; none when there is no account. */
  rolesOf(email: string): string[]
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
 * identity server on 127.0.0.1 (the GoTrue sandbox, or the Supabase double:
 * `identity` or TEST_IDENTITY), and the real local store in a temp folder.
 * `env` overrides or removes (undefined) any setting.
 */
export async function startTestBridge(
  options: {
    env?: Env
    senders?: readonly Sender[]
    deps?: (identity: ServedIdentitySandbox) => Promise<Partial<AppDeps>>
    /** A local store folder written before (removed on close); a fresh one by default. */
    dataDir?: string
    identity?: IdentityProvider
  } = {},
): Promise<TestBridge> {
  const dir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'invite-bridge-test-')))
  const server = await startIdentity(options.identity ?? TEST_IDENTITY)
  const secrets = { stripe: stripeSecret(), github: githubSecret() }
  const env: Env = {
    STRIPE_WEBHOOK_SECRET: secrets.stripe,
    GITHUB_WEBHOOK_SECRET: secrets.github,
    IDENTITY_TIMEOUT_MS: '1500',
    ...server.env,
    // The bridge's own first retry a second after a failure, so tests watch the whole cycle.
    BRIDGE_RETRY_FIRST_SECONDS: '1',
    ...options.env,
  }
  const store = openSqliteStore({ dir })
  const logs: LogFields[] = []
  let app: Hono
  try {
    const senders = options.senders ?? SENDERS
    app = createApp({ config: loadConfig(env, senders), senders, store, log: (fields) => logs.push(fields), ...(await options.deps?.(server.gotrue())) })
  } catch (error) {
    await server.close()
    await store.close?.()
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  async function deliverStripe(event: unknown, secret = secrets.stripe): Promise<WebhookAnswer> {
    const response = await app.request('/webhooks/stripe', await stripeRequest(event, secret))
    return { status: response.status, retryAfter: response.headers.get('retry-after'), ...((await response.json()) as object) }
  }
  const sameAddress = (email: string) => (asked: string) => asked.toLowerCase() === email.toLowerCase()
  const sweepSecret = storedSecret(store, SECRET_RECORDS.sweep)
  async function sweep(): Promise<SweepReport> {
    const response = await requestSweep((url, init) => app.request(url, init), { secret: await sweepSecret() })
    if (response.status !== 200) throw new Error(`sweep answered ${response.status}: ${await response.text()}`)
    return (await response.json()) as SweepReport
  }
  return {
    app,
    idp: server.idp,
    get identity() {
      return server.gotrue()
    },
    get supabase() {
      return server.supabase()
    },
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
    get jwtSecret() {
      return server.jwtSecret()
    },
    logs,
    inviteRequestsTo: (email) => server.idp.inviteRequests.filter(sameAddress(email)).length,
    rolesOf: (email) => [...((server.idp.users().find((user) => user.email === email)?.app_metadata?.roles as string[] | undefined) ?? [])].sort(),
    invitesTo: (email) => server.idp.invites.map((invite) => invite.email).filter(sameAddress(email)).length,
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
      await server.close()
      await store.close?.()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

interface StartedIdentity {
  idp: TestIdentity
  /** The settings pointing the bridge at it. */
  env: Env
  gotrue(): ServedIdentitySandbox
  supabase(): ServedSupabaseDouble
  jwtSecret(): string
  close(): Promise<void>
}

async function startIdentity(provider: IdentityProvider): Promise<StartedIdentity> {
  return provider === 'supabase' ? startSupabase() : startGoTrue()
}

async function startGoTrue(): Promise<StartedIdentity> {
  const jwtSecret = randomBytes(32).toString('hex')
  const served = await serveIdentitySandbox({ jwtSecret, siteUrl: 'http://localhost:8888' })
  const { sandbox } = served
  return {
    idp: {
      provider: 'gotrue',
      faults: sandbox.faults,
      invites: sandbox.invites,
      inviteRequests: sandbox.inviteRequests,
      users: () => sandbox.users(),
      async inviteDirectly(email) {
        const token = await sandbox.adminToken()
        await expectOk(fetch(`${served.url}/invite`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ email }) }))
      },
      async deleteUser(id) {
        const token = await sandbox.adminToken()
        await expectOk(fetch(`${served.url}/admin/users/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }))
      },
    },
    env: { IDENTITY_URL: served.url, IDENTITY_JWT_SECRET: jwtSecret },
    gotrue: () => served,
    supabase: () => {
      throw new Error('This test uses the Supabase double itself; it cannot run against the GoTrue sandbox')
    },
    jwtSecret: () => jwtSecret,
    close: () => served.close(),
  }
}

async function startSupabase(): Promise<StartedIdentity> {
  const served: ServedSupabaseDouble = await serveSupabaseDouble()
  const { double } = served
  const key = double.keys.serviceRoleKey
  const gotrueOnly = (): never => {
    throw new Error('This test uses the GoTrue sandbox itself; it cannot run with TEST_IDENTITY=supabase')
  }
  // Handed to `deps` callbacks too, most of which never look at it: only a use fails.
  const noSandbox = new Proxy({}, { get: gotrueOnly }) as ServedIdentitySandbox
  return {
    idp: {
      provider: 'supabase',
      faults: double.faults,
      invites: double.invites,
      inviteRequests: double.inviteRequests,
      users: () => double.users(),
      async inviteDirectly(email) {
        const headers = { apikey: key, authorization: `Bearer ${key}`, 'content-type': 'application/json' }
        await expectOk(fetch(`${served.url}/auth/v1/invite`, { method: 'POST', headers, body: JSON.stringify({ email }) }))
      },
      async deleteUser(id) {
        double.deleteUser(id)
      },
    },
    env: { IDENTITY_PROVIDER: 'supabase', SUPABASE_URL: served.url, SUPABASE_SERVICE_ROLE_KEY: key },
    gotrue: () => noSandbox,
    supabase: () => served,
    jwtSecret: gotrueOnly,
    close: () => served.close(),
  }
}

async function expectOk(pending: Promise<Response>): Promise<void> {
  const response = await pending
  if (!response.ok) throw new Error(`identity answered ${response.status}: ${await response.text()}`)
  await response.body?.cancel()
}

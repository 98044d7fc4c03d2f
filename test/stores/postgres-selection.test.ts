import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { startLocalServer } from '../../src/local/start.ts'
import { createNetlifyHandler } from '../../src/netlify.ts'
import { serveIdentitySandbox, type ServedIdentitySandbox } from '../../src/sandbox/serve.ts'
import { stripeEvent } from '../helpers/fixtures.ts'
import { freshDatabase, type TestDatabase } from '../helpers/postgres/database.ts'
import { stripeRequest, stripeSecret } from '../helpers/signing.ts'

/** Which store each way of running picks: BRIDGE_DATABASE_URL, and nothing else, means PostgreSQL. */
let database: TestDatabase
let identity: ServedIdentitySandbox
let dataDir: string
const secret = stripeSecret()
const jwtSecret = randomBytes(32).toString('hex')

beforeAll(async () => {
  database = await freshDatabase()
  identity = await serveIdentitySandbox({ jwtSecret, siteUrl: 'http://localhost:8888' })
  dataDir = await mkdtemp(join(tmpdir(), 'invite-bridge-pg-selection-'))
})
afterAll(async () => {
  await identity?.close()
  await database?.drop()
  await rm(dataDir, { recursive: true, force: true })
})
afterEach(() => {
  vi.unstubAllEnvs()
})

/** The bridge's tables in one schema: each test works in a schema of its own. */
const bridgeTables = async (schema: string) =>
  (
    await database.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'invite_bridge%' ORDER BY 1`, [schema])
  ).rows.map((row) => row.table_name)

const buyer = (name: string) =>
  stripeEvent('checkout.session.completed', {
    id: `evt_selection_${name}`,
    object: { customer: `cus_selection_${name}`, customer_details: { email: `${name}@example.com`, name } },
  })

const env = (extra: Record<string, string>) => ({
  NODE_ENV: 'production',
  PORT: '0',
  BRIDGE_DATA_DIR: dataDir,
  STRIPE_WEBHOOK_SECRET: secret,
  GITHUB_WEBHOOK_SECRET: '',
  IDENTITY_URL: identity.url,
  IDENTITY_JWT_SECRET: jwtSecret,
  ...extra,
})

describe('choosing the store', () => {
  it('npm start with only DATABASE_URL (the site app\'s) keeps SQLite and creates nothing in that database', async () => {
    const schema = await database.freshSchema()
    const server = await startLocalServer({ env: env({ DATABASE_URL: schema.url }), print: () => {} })
    try {
      expect(server.banner.join('\n')).toContain('store: ')
      expect(server.banner.join('\n')).toContain('invite-bridge.sqlite')
      const answer = await fetch(`${server.url}/webhooks/stripe`, await stripeRequest(buyer('sqlite.sam'), secret))
      expect(await answer.json()).toMatchObject({ outcome: 'invited' })
    } finally {
      await server.close()
    }
    expect(await bridgeTables(schema.name)).toEqual([])
  })

  it('npm start with BRIDGE_DATABASE_URL keeps its records in PostgreSQL, and its banner shows where without the password', async () => {
    const schema = await database.freshSchema()
    const server = await startLocalServer({ env: env({ BRIDGE_DATABASE_URL: schema.url }), print: () => {} })
    try {
      const banner = server.banner.join('\n')
      const url = new URL(database.url)
      expect(banner).toContain(`store: PostgreSQL at 127.0.0.1:${url.port}/${url.pathname.slice(1)}`)
      expect(banner).not.toContain(url.password)
      const answer = await fetch(`${server.url}/webhooks/stripe`, await stripeRequest(buyer('pg.pat'), secret))
      expect(await answer.json()).toMatchObject({ outcome: 'invited' })
    } finally {
      await server.close()
    }
    expect(await bridgeTables(schema.name)).toEqual(['invite_bridge_records', 'invite_bridge_schema_migrations'])
    const { rows } = await database.query(`SELECT 1 FROM ${schema.name}.invite_bridge_records WHERE key LIKE 'event/stripe/%'`)
    expect(rows.length).toBeGreaterThan(0)
  })

  it('npm start refuses a BRIDGE_DATABASE_URL that is not a PostgreSQL URL, without showing it', async () => {
    const value = `https://bridge:${randomBytes(9).toString('hex')}@db.example/bridge`
    const failed = await startLocalServer({ env: env({ BRIDGE_DATABASE_URL: value }), print: () => {} }).catch((error: unknown) => error)
    expect(failed).toMatchObject({ name: 'ConfigError', message: expect.stringContaining('BRIDGE_DATABASE_URL must be a PostgreSQL URL') })
    expect((failed as Error).message).not.toContain(new URL(value).password)
  })

  it('the Netlify function with BRIDGE_DATABASE_URL uses PostgreSQL, not Blobs (no Blobs context is needed)', async () => {
    const schema = await database.freshSchema()
    for (const [name, value] of Object.entries(env({ BRIDGE_DATABASE_URL: schema.url }))) vi.stubEnv(name, value)
    const handler = createNetlifyHandler()
    const delivery = await stripeRequest(buyer('netlify.nell'), secret)
    const answer = await handler(new Request('https://site.example/webhooks/stripe', delivery), {} as Parameters<typeof handler>[1])
    expect(await answer.json()).toMatchObject({ outcome: 'invited' })
    const { rows } = await database.query(`SELECT 1 FROM ${schema.name}.invite_bridge_records WHERE key = 'event/stripe/evt_selection_netlify.nell'`)
    expect(rows).toHaveLength(1)
  })

  it('the Netlify function answers 503 naming a malformed BRIDGE_DATABASE_URL, never its value', async () => {
    const value = `postgres:${randomBytes(12).toString('hex')}`
    vi.stubEnv('BRIDGE_DATABASE_URL', value)
    const handler = createNetlifyHandler()
    const answer = await handler(new Request('https://site.example/health'), {} as Parameters<typeof handler>[1])
    const text = await answer.text()
    expect(answer.status).toBe(503)
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'invalid_configuration', message: expect.stringContaining('BRIDGE_DATABASE_URL') } })
    expect(text).not.toContain(value.slice(9))
  })
})

import { once } from 'node:events'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { openPostgresStore, type PostgresStore } from '../../src/stores/postgres-store.ts'
import { freshDatabase, type TestDatabase } from '../helpers/postgres/database.ts'
import { runStoreContract } from './contract.ts'

let database: TestDatabase

beforeAll(async () => {
  database = await freshDatabase()
})
afterAll(async () => {
  await database?.drop()
})

let schema: string

/** A store on tables of its own: each test starts from an empty schema. */
const freshStore = async (): Promise<PostgresStore> => {
  const fresh = await database.freshSchema()
  schema = fresh.name
  return openPostgresStore({ url: fresh.url })
}

describe('openPostgresStore: contract', () => {
  runStoreContract(freshStore)
})

// What list and delete must do on every store is the shared contract's (above); these are Postgres's own edges.
describe('openPostgresStore: list and delete', () => {
  let store: PostgresStore
  beforeEach(async () => {
    store = await freshStore()
  })
  afterEach(async () => {
    await store.close()
  })
  const keys = (page: { records: Array<{ key: string }> }) => page.records.map((record) => record.key)

  it('a page holds 100 by default and never more than 1000', async () => {
    await store.create('many/seed', 0)
    // 1100 more records in one statement, straight into this test's tables.
    await database.query(`INSERT INTO ${schema}.invite_bridge_records (key, value) SELECT 'many/' || lpad(n::text, 4, '0'), n::text::json FROM generate_series(0, 1099) AS n`)
    expect((await store.list('many/')).records).toHaveLength(100)
    const capped = await store.list('many/', { limit: 5000 })
    expect(capped.records).toHaveLength(1000)
    expect(capped.next).toBe('many/0999')
  })

  it('delete with the current etag removes it; with a stale or foreign one leaves it alone', async () => {
    const created = await store.create('pending/2', { v: 1 })
    const stale = created.created ? created.etag : ''
    const replaced = await store.replace('pending/2', { v: 2 }, stale)
    expect(await store.delete('pending/2', stale)).toEqual({ deleted: false })
    expect(await store.delete('pending/2', 'not-a-version')).toEqual({ deleted: false })
    expect((await store.get('pending/2'))?.value).toEqual({ v: 2 })
    expect(await store.delete('pending/2', replaced.replaced ? replaced.etag : '')).toEqual({ deleted: true })
    expect(await store.get('pending/2')).toBeNull()
  })

  it('a key deleted and created again gets an etag the old record never had', async () => {
    const first = await store.create('pending/3', { v: 1 })
    await store.delete('pending/3')
    expect(keys(await store.list('pending/'))).toEqual([])
    const again = await store.create('pending/3', { v: 2 })
    expect(again).toMatchObject({ created: true })
    // A holder of the first record's etag must not overwrite the new one.
    expect(await store.replace('pending/3', { v: 'stale writer' }, first.created ? first.etag : '')).toEqual({ replaced: false })
    expect((await store.get('pending/3'))?.value).toEqual({ v: 2 })
  })
})

describe('openPostgresStore', () => {
  const opened: PostgresStore[] = []
  const open = (url: string) => {
    const store = openPostgresStore({ url })
    opened.push(store)
    return store
  }
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close()
  })

  it('50 concurrent creates of one key from two instances: exactly one wins', async () => {
    const { url } = await database.freshSchema()
    const instances = [open(url), open(url)]
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => instances[i % 2]!.create('event/stripe/evt_race', { by: i })))
    const winners = results.flatMap((result, i) => (result.created ? [i] : []))
    expect(winners).toHaveLength(1)
    expect((await instances[1]!.get('event/stripe/evt_race'))?.value).toEqual({ by: winners[0] })
  })

  it('20 concurrent replaces with the same etag from two instances: exactly one wins', async () => {
    const { url } = await database.freshSchema()
    const instances = [open(url), open(url)]
    const created = await instances[0]!.create('person/p', { n: 0 })
    const etag = created.created ? created.etag : ''
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => instances[i % 2]!.replace('person/p', { n: i + 1 }, etag)))
    const winners = results.flatMap((result, i) => (result.replaced ? [i] : []))
    expect(winners).toHaveLength(1)
    expect((await instances[0]!.get('person/p'))?.value).toEqual({ n: winners[0]! + 1 })
  })

  it('two instances starting on an empty database create the tables once', async () => {
    const { name, url } = await database.freshSchema()
    await Promise.all([open(url).create('a', 1), open(url).create('b', 2)])
    const { rows } = await database.query(`SELECT version FROM ${name}.invite_bridge_schema_migrations`)
    expect(rows).toEqual([{ version: 1 }])
    expect((await open(url).get('b'))?.value).toBe(2)
  })

  it('reads back exactly what was written, \\u0000 and all', async () => {
    const store = open((await database.freshSchema()).url)
    const value = { name: 'Zoë \u0000 Null 🎉', nested: { list: [1, 'two', null], big: 2 ** 53 - 1 } }
    await store.create('pending/odd', value)
    expect((await store.get('pending/odd'))?.value).toEqual(value)
  })

  it('opening connects to nothing; the first operation does, and a server that is not PostgreSQL answers 503', async () => {
    let connections = 0
    const impostor = createServer((socket) => {
      connections++
      socket.destroy()
    })
    impostor.listen(0, '127.0.0.1')
    await once(impostor, 'listening')
    const { port } = impostor.address() as AddressInfo
    try {
      const store = open(`postgres://bridge:s3cret-pw@127.0.0.1:${port}/bridge`)
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(connections).toBe(0)
      const failed = await store.get('event/stripe/evt_1').catch((error: unknown) => error)
      expect(connections).toBeGreaterThan(0)
      expect(failed).toMatchObject({ status: 503, code: 'store_unavailable', message: expect.stringContaining('the connection to the database was closed') })
    } finally {
      impostor.close()
    }
  })

  it('a database that refuses the password answers 503 naming the setting, never the password or the address', async () => {
    const url = new URL(database.url)
    url.password = 'not-the-password'
    const failed = await open(url.href).create('event/stripe/evt_1', {}).catch((error: unknown) => error)
    expect(failed).toMatchObject({ status: 503, code: 'store_unavailable' })
    const { message } = failed as Error
    expect(message).toContain('refused the credentials (28P01)')
    expect(message).toContain('BRIDGE_DATABASE_URL')
    expect(message).not.toContain('not-the-password')
    expect(message).not.toContain(url.port)
  })

  it('a database that is not there yet answers 503, and the same store works once it is', async () => {
    const name = `bridge_late_${Date.now()}`
    const store = open(database.url.replace(/\/[^/]+$/, `/${name}`))
    await expect(store.get('k')).rejects.toMatchObject({ status: 503, message: expect.stringContaining('does not exist (3D000)') })
    await database.query(`CREATE DATABASE ${name}`)
    try {
      expect(await store.create('k', 1)).toMatchObject({ created: true })
    } finally {
      await store.close()
      await database.query(`DROP DATABASE ${name} WITH (FORCE)`)
    }
  })

  it('tables migrated by a newer bridge are refused, not guessed at', async () => {
    const { name, url } = await database.freshSchema()
    await database.query(`CREATE TABLE ${name}.invite_bridge_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
    await database.query(`INSERT INTO ${name}.invite_bridge_schema_migrations (version) VALUES (1), (2)`)
    await expect(open(url).get('k')).rejects.toMatchObject({ status: 503, code: 'store_unavailable', message: expect.stringMatching(/at schema version 2, newer than this bridge knows \(1\): upgrade the bridge$/) })
  })

  it('a closed store answers 503 store_unavailable; closing twice is fine', async () => {
    const store = open((await database.freshSchema()).url)
    await store.create('k', 1)
    await store.close()
    await store.close()
    await expect(store.get('k')).rejects.toMatchObject({ status: 503, code: 'store_unavailable' })
  })
})

/**
 * A loopback TCP relay to the test database that can go silent: its open
 * connections stop carrying bytes either way, with no FIN or RST, as a
 * connection dropped by a NAT or a pooler looks from an instance that was
 * frozen meanwhile. New connections go through as before.
 */
async function silenceableRelay(target: URL) {
  const pairs: Array<[Socket, Socket]> = []
  let connections = 0
  const relay = createServer((client) => {
    connections++
    const server = connect(Number(target.port), target.hostname)
    client.pipe(server)
    server.pipe(client)
    const destroy = () => {
      client.destroy()
      server.destroy()
    }
    client.on('error', destroy)
    server.on('error', destroy)
    pairs.push([client, server])
  })
  relay.listen(0, '127.0.0.1')
  await once(relay, 'listening')
  const url = new URL(target.href)
  url.hostname = '127.0.0.1'
  url.port = String((relay.address() as AddressInfo).port)
  return {
    url: url.href,
    connections: () => connections,
    silenceAll() {
      for (const [client, server] of pairs) {
        client.unpipe(server)
        server.unpipe(client)
        client.pause()
        server.pause()
      }
    },
    close() {
      for (const [client, server] of pairs) {
        client.destroy()
        server.destroy()
      }
      relay.close()
    },
  }
}

describe('openPostgresStore after a freeze', () => {
  it('a pool idle longer than it keeps connections starts over, so a connection dropped while the instance was frozen is not used', async () => {
    const { url } = await database.freshSchema()
    const relay = await silenceableRelay(new URL(url))
    let clock = 1_000_000
    const store = openPostgresStore({ url: relay.url, timeoutMs: 1000, now: () => clock })
    try {
      await store.create('ledger/stripe/a', { userId: 'u1' })
      clock += 1000
      expect((await store.get('ledger/stripe/a'))?.value).toEqual({ userId: 'u1' })
      expect(relay.connections()).toBe(1)

      // Frozen for a minute: the pool's idle timer never ran, and its connection died without a word.
      relay.silenceAll()
      clock += 60_000
      expect((await store.get('ledger/stripe/a'))?.value).toEqual({ userId: 'u1' })
      expect(relay.connections()).toBe(2)
    } finally {
      await store.close().catch(() => {})
      relay.close()
    }
  })

  it('within that time the pool keeps its connection (a silent one then costs the timeout: 503, and the next call reconnects)', async () => {
    const { url } = await database.freshSchema()
    const relay = await silenceableRelay(new URL(url))
    let clock = 1_000_000
    const store = openPostgresStore({ url: relay.url, timeoutMs: 1000, now: () => clock })
    try {
      await store.create('ledger/stripe/b', { userId: 'u2' })
      relay.silenceAll()
      clock += 5000
      await expect(store.get('ledger/stripe/b')).rejects.toMatchObject({ status: 503, code: 'store_unavailable' })
      expect(relay.connections()).toBe(1)
      expect((await store.get('ledger/stripe/b'))?.value).toEqual({ userId: 'u2' })
      expect(relay.connections()).toBe(2)
    } finally {
      await store.close().catch(() => {})
      relay.close()
    }
  })
})

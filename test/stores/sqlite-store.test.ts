import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { DatabaseSync } from 'node:sqlite'

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

import { openSqliteStore } from '../../src/stores/sqlite-store.ts'
import { runStoreContract } from './contract.ts'

let dir: string
let files = 0

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'invite-bridge-sqlite-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('openSqliteStore: contract', () => {
  runStoreContract(() => openSqliteStore({ dir, fileName: `contract-${files++}.sqlite` }))
})

describe('openSqliteStore', () => {
  it('commits a group of records only under relaxedPrefixes with synchronous=NORMAL, and any group holding another key with FULL', async () => {
    const pragmas: string[] = []
    const exec = DatabaseSync.prototype.exec
    const spy = vi.spyOn(DatabaseSync.prototype, 'exec').mockImplementation(function (this: DatabaseSync, sql: string) {
      if (sql.startsWith('PRAGMA synchronous')) pragmas.push(sql)
      return exec.call(this, sql)
    })
    const store = openSqliteStore({ dir, fileName: `relaxed-${files++}.sqlite`, relaxedPrefixes: ['log/'] })
    try {
      expect(pragmas).toEqual(['PRAGMA synchronous = FULL'])
      pragmas.length = 0
      await Promise.all([store.create('log/a', 1), store.create('log/b', 1)])
      expect(pragmas).toEqual(['PRAGMA synchronous = NORMAL'])
      await Promise.all([store.create('log/c', 1), store.create('event/stripe/evt_1', 1)])
      expect(pragmas).toEqual(['PRAGMA synchronous = NORMAL', 'PRAGMA synchronous = FULL'])
    } finally {
      spy.mockRestore()
      store.close?.()
    }
  })

  it('creates its directory when it is missing', async () => {
    const store = openSqliteStore({ dir: join(dir, 'not', 'yet', 'there') })
    expect(await store.create('k', 1)).toMatchObject({ created: true })
    store.close?.()
  })

  it('50 concurrent creates of one key over two connections: exactly one wins', async () => {
    const options = { dir, fileName: 'race-in-process.sqlite' }
    const connections = [openSqliteStore(options), openSqliteStore(options)]
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => connections[i % 2]!.create('event/stripe/evt_race', { by: i })),
    )
    const winners = results.flatMap((result, i) => (result.created ? [i] : []))
    expect(winners).toHaveLength(1)
    expect((await connections[1]!.get('event/stripe/evt_race'))?.value).toEqual({ by: winners[0] })
    for (const connection of connections) connection.close?.()
  })

  it('a record written by one connection is read by a later one', async () => {
    const options = { dir, fileName: 'reopen.sqlite' }
    const first = openSqliteStore(options)
    await first.create('person/a@example.com', { state: 'invited' })
    first.close?.()
    first.close?.()
    const second = openSqliteStore(options)
    expect((await second.get('person/a@example.com'))?.value).toEqual({ state: 'invited' })
    second.close?.()
  })

  it('a closed store rejects with a 503 store_unavailable, not a bare error', async () => {
    const store = openSqliteStore({ dir, fileName: 'closed.sqlite' })
    store.close?.()
    await expect(store.get('k')).rejects.toMatchObject({ status: 503, code: 'store_unavailable' })
  })
})

import type { Store } from '@netlify/blobs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { readValue } from '../../src/core/exactly-once/store.ts'
import { createBlobsStore, openNetlifyBlobsStore } from '../../src/stores/blobs-store.ts'
import { runStoreContract } from './contract.ts'
import { startLocalBlobsServer, type LocalBlobsServer } from './local-blobs-server.ts'

/*
 * Race-freedom is NOT proven here. BlobsServer checks If-None-Match / If-Match
 * and then writes the file in separate steps, so concurrent conditional writes
 * can all succeed (10 parallel onlyIfNew creates of one key: nearly all report
 * modified:true). The hosted service makes them atomic, per Netlify's docs.
 * These tests prove createBlobsStore speaks the Blobs API correctly; that the
 * create/replace contract is enough to stay race-free is proven on the SQLite
 * store, by real processes, in sqlite-processes.test.ts.
 */
let server: LocalBlobsServer
let stores = 0

beforeAll(async () => {
  server = await startLocalBlobsServer()
})

afterAll(async () => {
  await server?.stop()
})

/*
 * Listing with a prefix over the API URL is broken in the local BlobsServer
 * (it answers an empty list: the query string is lost when it maps the API
 * path to its signed URL). The hosted service lists over both; a function on
 * Netlify, and under netlify dev, reaches Blobs over the edge URL, which the
 * local server lists correctly.
 */
for (const mode of ['api', 'edge'] as const) {
  describe(`createBlobsStore: contract against BlobsServer (${mode} URL)`, () => {
    runStoreContract(() => createBlobsStore(server.store(`contract-${mode}-${stores++}`, mode)), {
      ...(mode === 'api' ? { skipList: "the local BlobsServer drops a listing's prefix over the API URL" } : {}),
    })
  })
}

describe('openNetlifyBlobsStore', () => {
  it('opens the named store with the given site, token and URL', async () => {
    const store = openNetlifyBlobsStore({ name: 'opened', ...server.options('api') })
    await store.create('person/a@example.com', { v: 1 })
    expect((await createBlobsStore(server.store('opened', 'api')).get('person/a@example.com'))?.value).toEqual({ v: 1 })
    expect(await readValue(store, 'person/a@example.com')).toEqual({ v: 1 })
  })

  it('outside a Blobs environment it still opens (nothing is loaded yet); each use answers 503 store_unavailable saying why', async () => {
    const saved = process.env.NETLIFY_BLOBS_CONTEXT
    delete process.env.NETLIFY_BLOBS_CONTEXT
    try {
      const store = openNetlifyBlobsStore()
      await expect(store.get('k')).rejects.toMatchObject({ status: 503, code: 'store_unavailable', message: expect.stringContaining('Netlify Blobs is not available') })
      await expect(store.create('k', 1)).rejects.toMatchObject({ status: 503, code: 'store_unavailable' })
    } finally {
      if (saved !== undefined) process.env.NETLIFY_BLOBS_CONTEXT = saved
    }
  })

  it('always reads with strong consistency (an edge URL alone cannot, so it fails)', async () => {
    const { edgeURL, siteID, token } = server.options('edge')
    const store = openNetlifyBlobsStore({ siteID, token, edgeURL })
    await expect(store.get('k')).rejects.toMatchObject({ status: 503, cause: { name: 'BlobsConsistencyError' } })
    await expect(readValue(store, 'k')).rejects.toMatchObject({ status: 503, cause: { name: 'BlobsConsistencyError' } })
  })
})

describe('createBlobsStore: reading a value without its etag', () => {
  it('is one request, where get must also list to learn the etag the local server does not send', async () => {
    const requests: string[] = []
    const counted = await startLocalBlobsServer({
      onAnswered: (request) => requests.push(`${request.method}${new URL(request.url).searchParams.has('prefix') ? ' list' : ''}`),
    })
    try {
      const store = createBlobsStore(counted.store('value-reads', 'edge'))
      await store.create('meta/person-hash-key', { key: 'k1' })
      requests.length = 0
      expect(await readValue(store, 'meta/person-hash-key')).toEqual({ key: 'k1' })
      expect(requests).toEqual(['GET'])
      requests.length = 0
      expect((await store.get('meta/person-hash-key'))?.etag).toEqual(expect.any(String))
      expect(requests).toEqual(['GET', 'GET list', 'GET'])
    } finally {
      await counted.stop()
    }
  })
})

describe('createBlobsStore against BlobsServer failing a write', () => {
  it('create throws a 503 when the server answers 500 (the client reports { modified: true, etag: "" })', async () => {
    // BlobsServer keeps keys as files, so a key below an existing key cannot
    // be written: a real 500. Its client retries 5xx five times, 5 s apart
    // (1 ms under NODE_ENV=test, which vitest sets).
    const store = createBlobsStore(server.store('failing-write', 'edge'))
    await store.create('event/stripe/evt_1', {})
    await expect(store.create('event/stripe/evt_1/child', {})).rejects.toMatchObject({ status: 503, code: 'store_unavailable' })
  })
})

/** A Store whose methods answer as given; anything else fails the test. */
function fakeStore(methods: Partial<Record<'get' | 'getWithMetadata' | 'setJSON' | 'list', (...args: unknown[]) => unknown>>): Store {
  return methods as unknown as Store
}

describe('createBlobsStore against a failing service', () => {
  // What @netlify/blobs returns for a conditional write answered 401/403/5xx.
  const failedWrite = { setJSON: async () => ({ modified: true, etag: '' }) }

  it('create throws a 503 when the write reports modified without an etag', async () => {
    const store = createBlobsStore(fakeStore(failedWrite))
    await expect(store.create('event/stripe/evt_1', {})).rejects.toMatchObject({ status: 503, code: 'store_unavailable' })
  })

  it('replace throws a 503 when the write reports modified without an etag', async () => {
    const store = createBlobsStore(fakeStore(failedWrite))
    await expect(store.replace('event/stripe/evt_1', {}, '"etag"')).rejects.toMatchObject({ status: 503 })
  })

  it('a thrown client error becomes a 503 that keeps its cause', async () => {
    const cause = new Error('Netlify Blobs has generated an internal error (500 status code)')
    const store = createBlobsStore(fakeStore({ getWithMetadata: async () => Promise.reject(cause), get: async () => Promise.reject(cause) }))
    await expect(store.get('k')).rejects.toMatchObject({ status: 503, code: 'store_unavailable', cause })
    await expect(readValue(store, 'k')).rejects.toMatchObject({ status: 503, code: 'store_unavailable', cause })
  })

  it('replace with an empty etag writes nothing (the client would drop the condition)', async () => {
    const store = createBlobsStore(fakeStore({}))
    expect(await store.replace('k', {}, '')).toEqual({ replaced: false })
  })

  it('get uses the etag of the read when the service sends one, without listing', async () => {
    const store = createBlobsStore(fakeStore({ getWithMetadata: async () => ({ data: { v: 1 }, etag: '"e1"', metadata: {} }) }))
    expect(await store.get('k')).toEqual({ value: { v: 1 }, etag: '"e1"' })
  })
})

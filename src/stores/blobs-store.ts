import type { GetStoreOptions, Store } from '@netlify/blobs'

import { BridgeError, UpstreamError } from '../core/domain/errors.ts'
import { byteOrder, pageOfKeys, type CreateResult, type KeyValueStore, type ListOptions, type ListPage, type ReplaceResult, type StoredRecord } from '../core/exactly-once/store.ts'

/** A store whose value reads are one request (see KeyValueStore.read). */
type ValueReadingStore = KeyValueStore & Required<Pick<KeyValueStore, 'read'>>

/** Store options minus `consistency`: exactly-once needs strong reads, so it is not a choice. */
export type NetlifyBlobsStoreOptions = { name?: string } & Omit<GetStoreOptions, 'name' | 'consistency'>

/**
 * The client is loaded on first use, not at import: a function whose store
 * is Postgres never loads it, and one on Blobs loads it at its first store
 * operation, once the first request's signature has been checked. A
 * function with no Blobs environment hears so, as 503 store_unavailable,
 * from that use.
 */
export function openNetlifyBlobsStore(options: NetlifyBlobsStoreOptions = {}): KeyValueStore {
  let opened: Promise<ValueReadingStore> | undefined
  const open = () =>
    (opened ??= import('@netlify/blobs').then(({ getStore }) => createBlobsStore(getStore({ ...options, name: options.name ?? 'invite-bridge', consistency: 'strong' }))).catch((error: unknown) => {
      opened = undefined
      throw new UpstreamError(503, 'store_unavailable', `Netlify Blobs is not available to this function: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
    }))
  return {
    get: async (key) => (await open()).get(key),
    read: async (key) => (await open()).read(key),
    create: async (key, value) => (await open()).create(key, value),
    replace: async (key, value, etag) => (await open()).replace(key, value, etag),
    list: async (prefix, listOptions) => (await open()).list(prefix, listOptions),
    delete: async (key, etag) => (await open()).delete(key, etag),
  }
}

/**
 * KeyValueStore over Netlify Blobs, whose `onlyIfNew` / `onlyIfMatch` writes
 * are atomic on the hosted service.
 */
export function createBlobsStore(store: Store): ValueReadingStore {
  const kv: ValueReadingStore = {
    async get<T>(key: string): Promise<StoredRecord<T> | null> {
      const found = await call('read', key, () => store.getWithMetadata(key, { type: 'json', consistency: 'strong' }))
      if (!found) return null
      if (found.etag) return { value: found.data as T, etag: found.etag }
      return getWithListedEtag<T>(store, key)
    },
    async read<T>(key: string): Promise<T | null> {
      return (await call('read', key, () => store.get(key, { type: 'json', consistency: 'strong' }))) as T | null
    },
    async create<T>(key: string, value: T): Promise<CreateResult> {
      const result = await call('create', key, () => store.setJSON(key, value, { onlyIfNew: true }))
      if (!result.modified) return { created: false }
      return { created: true, etag: writtenEtag('create', key, result.etag) }
    },
    async replace<T>(key: string, value: T, etag: string): Promise<ReplaceResult> {
      // The client drops an empty onlyIfMatch and would write unconditionally.
      if (!etag) return { replaced: false }
      const result = await call('replace', key, () => store.setJSON(key, value, { onlyIfMatch: etag }))
      if (!result.modified) return { replaced: false }
      return { replaced: true, etag: writtenEtag('replace', key, result.etag) }
    },
    /**
     * Blobs lists keys with their etags (all pages: its order is not
     * documented, so they are sorted here), then each value of the page is
     * read. A key deleted between the listing and its read is left out. The
     * prefix is checked again here: the local BlobsServer also lists keys
     * that are themselves a prefix of it (`lo` for `log/`).
     */
    async list<T>(prefix: string, options?: ListOptions): Promise<ListPage<T>> {
      const listed: Array<{ key: string; etag: string }> = []
      await call('list', prefix, async () => {
        for await (const page of store.list({ prefix, paginate: true })) listed.push(...page.blobs)
      })
      const etags = new Map(listed.filter((blob) => blob.key.startsWith(prefix)).map((blob) => [blob.key, blob.etag]))
      const page = pageOfKeys([...etags.keys()].sort(byteOrder), options)
      const records = await Promise.all(
        page.keys.map(async (key) => {
          const found = await call('read', key, () => store.get(key, { type: 'json', consistency: 'strong' }))
          return found === null ? null : { key, value: found as T, etag: etags.get(key)! }
        }),
      )
      return { records: records.filter((record) => record !== null), next: page.more ? page.keys.at(-1)! : null }
    },
    /**
     * Blobs has no conditional delete: with an etag this reads, compares and
     * then deletes, so a write landing in between is lost. The event log's
     * deletes (a finished retry, a pruned entry) are made by the one holder
     * of a lease, or of records nobody writes any more.
     */
    async delete(key: string, etag?: string): Promise<{ deleted: boolean }> {
      const current = await kv.get(key)
      if (!current || (etag !== undefined && current.etag !== etag)) return { deleted: false }
      await call('delete', key, () => store.delete(key))
      return { deleted: true }
    },
  }
  return kv
}

/**
 * The client reports any conditional write that is not a 412 as
 * `{ modified: true, etag }`, including a 401, 403 or 5xx where the etag is
 * empty. Without an etag nothing proves the write happened, and calling it
 * "not created" would read as "someone else holds this key": so it is an outage.
 */
function writtenEtag(operation: string, key: string, etag: string | undefined): string {
  if (etag) return etag
  throw new UpstreamError(503, 'store_unavailable', `Netlify Blobs answered the ${operation} of "${key}" without an ETag; the write may not have happened`)
}

/**
 * The hosted service sends an ETag with every read; the local BlobsServer
 * (netlify dev, tests) sends none, but lists entries with their ETags. The
 * ETag is read before the value, so a write landing in between leaves us with
 * a stale ETag (the next replace fails and the caller re-reads), never with
 * a stale value under a current ETag.
 *
 * That server's listing can also leave an existing key out: it reads a
 * directory, then stats each entry, and a concurrent write's temporary file
 * renamed away in between (ENOENT) ends the walk early with a partial answer.
 * So a key that reads back but is not listed is listed again, a few times
 * and a few milliseconds apart, before it counts as an outage.
 */
const LISTING_ATTEMPTS = 4

async function getWithListedEtag<T>(store: Store, key: string): Promise<StoredRecord<T> | null> {
  for (let attempt = 1; ; attempt++) {
    const { blobs } = await call('list', key, () => store.list({ prefix: key }))
    const etag = blobs.find((blob) => blob.key === key)?.etag
    const found = await call('read', key, () => store.getWithMetadata(key, { type: 'json', consistency: 'strong' }))
    if (!found) return null
    if (etag) return { value: found.data as T, etag }
    if (attempt >= LISTING_ATTEMPTS) throw new UpstreamError(503, 'store_unavailable', `Netlify Blobs returned "${key}" without an ETag`)
    await new Promise((resolve) => setTimeout(resolve, 10 * attempt))
  }
}

/** Every failure to reach Blobs (bad token, 5xx after the client's retries, network) means "try again later". */
async function call<R>(operation: string, key: string, run: () => Promise<R>): Promise<R> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof BridgeError) throw error
    throw new UpstreamError(503, 'store_unavailable', `Netlify Blobs could not ${operation} "${key}"`, { cause: error })
  }
}

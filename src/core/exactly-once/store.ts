/**
 * The one storage contract the bridge needs: a key-value store with an atomic
 * create-if-absent and a compare-and-swap replace. Everything exactly-once is
 * built on these two operations (see claims.ts), so each implementation must
 * make them atomic across concurrent requests and processes. The event log
 * adds a listing by prefix and a delete; neither takes part in exactly-once.
 *
 * Keys are `/`-separated ASCII (`event/stripe/evt_123`); values are JSON.
 * An etag is an opaque version token; any successful write changes it.
 */
export interface StoredRecord<T> {
  value: T
  etag: string
}

export type CreateResult = { created: true; etag: string } | { created: false }
export type ReplaceResult = { replaced: true; etag: string } | { replaced: false }

export interface ListOptions {
  /** Only keys strictly after this one, in the listing's order (a `next` from the page before). */
  after?: string
  /** At most this many records (default 100, at most 1000). */
  limit?: number
  /** Descending key order instead of ascending: newest first, for keys that begin with a time. */
  reverse?: boolean
}

export interface ListPage<T> {
  records: Array<{ key: string; value: T; etag: string }>
  /** The last key returned when more may remain, else null. */
  next: string | null
}

const LIST_DEFAULT_LIMIT = 100
const LIST_MAX_LIMIT = 1000

export interface KeyValueStore {
  get<T>(key: string): Promise<StoredRecord<T> | null>
  /**
   * The value alone, for a reader that will not write it back. Optional: a
   * store whose etag costs more than its value (the local Blobs server sends
   * none, so get lists to learn it) answers this in one request. Call it
   * through readValue, which falls back to get. A wrapper that intercepts
   * get must intercept read too (or not spread it from the store it wraps),
   * or value reads go around it.
   */
  read?<T>(key: string): Promise<T | null>
  /** Writes only when no record exists under `key`. Losing the race is a value, not an error. */
  create<T>(key: string, value: T): Promise<CreateResult>
  /** Writes only when the current record still has `etag`. */
  replace<T>(key: string, value: T, etag: string): Promise<ReplaceResult>
  /** Records whose key starts with `prefix`, in byte order of their keys, a page at a time. */
  list<T>(prefix: string, options?: ListOptions): Promise<ListPage<T>>
  /** Removes the record; with `etag`, only while it still has that etag. A missing record is `deleted: false`. */
  delete(key: string, etag?: string): Promise<{ deleted: boolean }>
  close?(): Promise<void> | void
}

/** A record's value without its etag: one request where the store can skip the etag. */
export async function readValue<T>(store: KeyValueStore, key: string): Promise<T | null> {
  if (store.read) return store.read<T>(key)
  return (await store.get<T>(key))?.value ?? null
}

/** The page size a listing asked for, within the contract's bounds. */
export function listLimit(options: ListOptions | undefined): number {
  const limit = options?.limit ?? LIST_DEFAULT_LIMIT
  return Math.max(1, Math.min(LIST_MAX_LIMIT, Math.floor(limit)))
}

/**
 * The page of `keys` (already in byte order, ascending) that a listing asks
 * for: for stores that hold or fetch all keys at once (memory, Blobs).
 */
export function pageOfKeys(keys: string[], options: ListOptions | undefined): { keys: string[]; more: boolean } {
  const ordered = options?.reverse ? [...keys].reverse() : keys
  const after = options?.after
  const start = after === undefined ? 0 : ordered.findIndex((key) => (options?.reverse ? key < after : key > after))
  if (start < 0) return { keys: [], more: false }
  const limit = listLimit(options)
  return { keys: ordered.slice(start, start + limit), more: ordered.length > start + limit }
}

/** Byte order, as SQLite compares TEXT keys and as `after` is defined (not localeCompare). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

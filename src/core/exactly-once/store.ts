/**
 * The one storage contract the bridge needs: a key-value store with an atomic
 * create-if-absent and a compare-and-swap replace. Everything exactly-once is
 * built on these two operations (see claims.ts), so each implementation must
 * make them atomic across concurrent requests and processes.
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

export interface KeyValueStore {
  get<T>(key: string): Promise<StoredRecord<T> | null>
  /** Writes only when no record exists under `key`. Losing the race is a value, not an error. */
  create<T>(key: string, value: T): Promise<CreateResult>
  /** Writes only when the current record still has `etag`. */
  replace<T>(key: string, value: T, etag: string): Promise<ReplaceResult>
  close?(): Promise<void> | void
}

/**
 * Writes records to a SQLite store as fast as it can and prints "ack <i>"
 * only after create() has returned, until it is killed
 * (see sqlite-processes.test.ts). argv: dir, then "relaxed" to write under
 * a prefix the store commits without waiting for the disk.
 */
import { openSqliteStore } from '../../src/stores/sqlite-store.ts'

const relaxed = process.argv[3] === 'relaxed'
const store = openSqliteStore({ dir: process.argv[2] ?? '', fileName: `durable-${relaxed ? 'relaxed' : 'full'}.sqlite`, ...(relaxed ? { relaxedPrefixes: ['durable/'] } : {}) })

for (let i = 0; ; i++) {
  const result = await store.create(`durable/${i}`, { i })
  if (!result.created) throw new Error(`durable/${i} already existed`)
  process.stdout.write(`ack ${i}\n`)
}

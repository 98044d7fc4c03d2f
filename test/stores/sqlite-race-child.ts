/**
 * One of several processes racing on one SQLite file (see sqlite-processes.test.ts).
 * argv: dir keyCount increments. Prints "ready", waits for a line on stdin so
 * all processes start together, then prints one JSON line: { pid, won (key indexes
 * it created), attempts (get+replace rounds its increments took) }.
 */
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'

import { openSqliteStore } from '../../src/stores/sqlite-store.ts'

const [dir = '', keyCount = '0', increments = '0'] = process.argv.slice(2)
const store = openSqliteStore({ dir, fileName: 'race.sqlite' })

// SQLite's busy handler sleeps while the lock holder writes on, so a process
// that never pauses does all its work before the others wake. Short random
// pauses keep the processes interleaved, and widen the get-to-replace window.
const jitter = () => sleep(Math.random() * 3)

async function increment(): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.get<{ n: number }>('counter')
    await jitter()
    const result = current
      ? await store.replace('counter', { n: current.value.n + 1 }, current.etag)
      : await store.create('counter', { n: 1 })
    if ('created' in result ? result.created : result.replaced) return attempt
  }
}

process.stdout.write('ready\n')
await once(process.stdin, 'data')

const won: number[] = []
let attempts = 0
for (let i = 0; i < Number(keyCount); i++) {
  // Interleave the two kinds of write so creates also race with replaces.
  await jitter()
  if ((await store.create(`race/key-${i}`, { pid: process.pid })).created) won.push(i)
  if (i < Number(increments)) attempts += await increment()
}
for (let i = Number(keyCount); i < Number(increments); i++) attempts += await increment()

process.stdout.write(`${JSON.stringify({ pid: process.pid, won, attempts })}\n`)
store.close?.()
process.stdin.destroy()

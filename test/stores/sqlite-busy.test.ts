import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setImmediate as nextTurn } from 'node:timers/promises'

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { createApp } from '../../src/app.ts'
import { bridgeConfig as loadConfig } from '../helpers/senders.ts'
import { listen } from '../../src/local/listen.ts'
import { openSqliteStore } from '../../src/stores/sqlite-store.ts'
import type { KeyValueStore } from '../../src/core/exactly-once/store.ts'

let dir: string
let files = 0
const cleanups: (() => unknown)[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'invite-bridge-sqlite-busy-'))
})
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Opens a fresh store file, then has another process take its write lock; resolves once the lock is held. */
async function storeLockedByAnotherProcess(holdMs: number, busyRetryMs: number): Promise<{ store: KeyValueStore; released: Promise<unknown> }> {
  const fileName = `busy-${files++}.sqlite`
  const store = openSqliteStore({ dir, fileName, busyRetryMs })
  cleanups.push(() => store.close?.())
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', join(import.meta.dirname, 'sqlite-lock-holder-child.ts'), join(dir, fileName), String(holdMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = once(child, 'exit')
  cleanups.push(() => {
    child.kill()
    return exited
  })
  const lines = createInterface({ input: child.stdout! })
  await once(lines, 'line')
  return { store, released: exited }
}

/**
 * The longest the event loop went without a turn while `work` ran. A loop
 * blocked in SQLite's busy handler shows a gap as long as the lock is held
 * (seconds); a free loop turns many times a second even on a busy machine.
 */
async function longestStall<R>(work: () => Promise<R>): Promise<{ result: PromiseSettledResult<R>; stallMs: number }> {
  let done = false
  let last = performance.now()
  // Started after the clock, so a synchronous wait inside the call is measured too.
  const settled = Promise.allSettled([Promise.resolve().then(work)]).then(([result]) => {
    done = true
    return result!
  })
  let stallMs = 0
  while (!done) {
    await nextTurn()
    const now = performance.now()
    stallMs = Math.max(stallMs, now - last)
    last = now
  }
  return { result: await settled, stallMs }
}

describe('openSqliteStore while another process holds the write lock', () => {
  it('a write waits without blocking the event loop, and lands once the lock is released', async () => {
    const { store, released } = await storeLockedByAnotherProcess(1500, 10_000)
    const { result, stallMs } = await longestStall(() => store.create('event/stripe/evt_locked', { n: 1 }))
    expect(result).toEqual({ status: 'fulfilled', value: expect.objectContaining({ created: true }) })
    expect(stallMs).toBeLessThan(1000)
    await released
    expect((await store.get('event/stripe/evt_locked'))?.value).toEqual({ n: 1 })
  })

  it('a write that waits past its budget answers 503 store_busy with Retry-After, without blocking the event loop', async () => {
    const { store } = await storeLockedByAnotherProcess(3000, 300)
    const { result, stallMs } = await longestStall(() => store.create('event/stripe/evt_locked', { n: 1 }))
    expect(result).toMatchObject({ status: 'rejected', reason: { status: 503, code: 'store_busy', retryAfter: 1 } })
    expect(stallMs).toBeLessThan(1000)
  })

  it('reads still answer: WAL readers never wait for the writer', async () => {
    const { store } = await storeLockedByAnotherProcess(3000, 300)
    expect(await store.get('event/stripe/evt_absent')).toBeNull()
  })

  it('the server keeps answering /health while a delivery waits for the lock', async () => {
    const { store, released } = await storeLockedByAnotherProcess(1500, 10_000)
    const app = createApp({ config: loadConfig({}), store, log: () => {} })
    const listening = await listen((request, env) => app.fetch(request, env), { hostname: '127.0.0.1', port: 0 })
    cleanups.push(() => listening.close())
    let lockReleased = false
    void released.then(() => (lockReleased = true))

    const waiting = store.create('event/stripe/evt_waiting', { n: 1 })
    const health = await fetch(`http://127.0.0.1:${listening.port}/health`)
    expect(health.status).toBe(200)
    // The answer came while the other process still held the lock.
    expect(lockReleased).toBe(false)
    expect(await waiting).toMatchObject({ created: true })
  })
})

import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openSqliteStore } from '../../src/stores/sqlite-store.ts'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'invite-bridge-sqlite-procs-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Runs a child script with this Node, which strips its types; `onLine` sees each stdout line. */
function runChild(script: string, args: string[], onLine: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', join(import.meta.dirname, script), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  createInterface({ input: child.stdout! }).on('line', onLine)
  return child
}

describe('openSqliteStore across processes', () => {
  it('4 processes racing: every key has exactly one winner and no increment is lost', async () => {
    const processes = 4
    const keyCount = 20
    const increments = 25
    const reports: { pid: number; won: number[]; attempts: number }[] = []
    let ready = 0
    let allReady!: () => void
    const readyPromise = new Promise<void>((resolve) => (allReady = resolve))

    const children = Array.from({ length: processes }, () =>
      runChild('sqlite-race-child.ts', [dir, String(keyCount), String(increments)], (line) => {
        if (line === 'ready') {
          if (++ready === processes) allReady()
        } else {
          reports.push(JSON.parse(line))
        }
      }),
    )
    const exits = children.map((child) => once(child, 'exit'))
    await readyPromise
    for (const child of children) child.stdin!.write('go\n')
    for (const [code] of await Promise.all(exits)) expect(code).toBe(0)

    expect(reports).toHaveLength(processes)
    const store = openSqliteStore({ dir, fileName: 'race.sqlite' })
    for (let i = 0; i < keyCount; i++) {
      const winners = reports.filter((report) => report.won.includes(i))
      expect(winners, `race/key-${i}`).toHaveLength(1)
      expect((await store.get(`race/key-${i}`))?.value).toEqual({ pid: winners[0]!.pid })
    }
    expect((await store.get('counter'))?.value).toEqual({ n: processes * increments })
    // Proof that the processes really overlapped: some replaces met a stale etag.
    expect(reports.reduce((sum, report) => sum + report.attempts, 0)).toBeGreaterThan(processes * increments)
    store.close?.()
  })

  // A relaxed commit skips the fsync, not the write: the WAL is in the OS's hands before the ack.
  it.each(['full', 'relaxed'])('every write acknowledged before a SIGKILL is there afterwards (%s commits)', async (mode) => {
    const acked: number[] = []
    let enough!: () => void
    const enoughPromise = new Promise<void>((resolve) => (enough = resolve))
    const child = runChild('sqlite-durability-child.ts', [dir, mode], (line) => {
      acked.push(Number(line.slice('ack '.length)))
      if (acked.length === 50) enough()
    })
    const exit = once(child, 'exit')
    await enoughPromise
    child.kill('SIGKILL')
    const [, signal] = await exit
    expect(signal).toBe('SIGKILL')

    const store = openSqliteStore({ dir, fileName: `durable-${mode}.sqlite` })
    for (const i of acked) expect((await store.get(`durable/${i}`))?.value, `durable/${i}`).toEqual({ i })
    store.close?.()
  })
})

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startLocalServer, type LocalServer } from '../../src/local/start.ts'

let dataDir: string
const servers: LocalServer[] = []
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'invite-bridge-shared-'))
})
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
  rmSync(dataDir, { recursive: true, force: true })
})

const start = async () => {
  const server = await startLocalServer({ env: { BRIDGE_DATA_DIR: dataDir, PORT: '0' }, print: () => {} })
  servers.push(server)
  return server
}

describe('two local servers on one data folder', () => {
  // Refused rather than shared: each sandbox answers from its own memory,
  // so the second would not see the first's invites even if both wrote safely.
  it('the second refuses to start, naming the folder and the first one\'s pid; the first keeps serving', async () => {
    const first = await start()
    await expect(start()).rejects.toThrow(`The identity sandbox folder ${dataDir} is in use by another server (pid ${process.pid})`)
    expect((await fetch(`${first.url}/.netlify/identity/health`)).status).toBe(200)
  })

  it('once the first has stopped, the folder is free again', async () => {
    const first = await start()
    await first.close()
    const second = await start()
    expect((await fetch(`${second.url}/.netlify/identity/health`)).status).toBe(200)
  })
})

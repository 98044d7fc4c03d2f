import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createIdentitySandbox } from '../../src/sandbox/identity-sandbox.ts'
import { startSandbox } from './harness.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'identity-sandbox-crash-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** A sandbox in another process on `dataFile`; `tokens` fills with each invite's token as the child sends it. */
async function sandboxInAnotherProcess(dataFile: string, jwtSecret: string) {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', join(import.meta.dirname, 'sandbox-child.ts'), dataFile, jwtSecret], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = once(child, 'exit')
  const tokens = new Map<string, string>()
  const lines = createInterface({ input: child.stdout! })
  const [first] = (await once(lines, 'line')) as [string]
  lines.on('line', (line) => {
    const [, email = '', token = ''] = line.split(' ')
    tokens.set(email, token)
  })
  const { url, pid } = JSON.parse(first) as { url: string; pid: number }
  return { url, pid, tokens, kill: () => (child.kill('SIGKILL'), exited) }
}

describe('a sandbox and its data file across processes', () => {
  it('a second sandbox on the file is refused with the folder and the running pid; after a kill -9 every answered invite is there', async () => {
    const dataFile = join(dir, 'identity-users.json')
    const jwtSecret = randomBytes(32).toString('base64url')
    const other = await sandboxInAnotherProcess(dataFile, jwtSecret)
    try {
      expect(() => createIdentitySandbox({ jwtSecret, siteUrl: 'https://site.example', dataFile })).toThrow(
        `The identity sandbox folder ${dir} is in use by another server (pid ${other.pid})`,
      )

      const adminToken = await createIdentitySandbox({ jwtSecret, siteUrl: 'https://site.example' }).adminToken()
      const invite = (email: string) =>
        fetch(`${other.url}/invite`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ email }) })
      const answered: string[] = []
      for (let i = 0; i < 30; i++) {
        const email = `buyer-${i}@example.com`
        if ((await invite(email)).status === 200) answered.push(email)
      }
      // More in flight when the process dies: these may or may not have landed.
      const inFlight = Array.from({ length: 10 }, (_, i) => invite(`late-${i}@example.com`).catch(() => null))
      await other.kill()
      await Promise.all(inFlight)

      // The dead server's lock is stale: this one takes the file over.
      const after = await startSandbox({ jwtSecret, dataFile })
      try {
        expect(answered).toHaveLength(30)
        const emails = after.sandbox.users().map((user) => user.email)
        for (const email of answered) expect(emails).toContain(email)
        const accepted = await after.call('POST', '/verify', { token: null, json: { type: 'signup', token: other.tokens.get('buyer-7@example.com'), password: 'pw-buyer-7' } })
        expect(accepted.status).toBe(200)
      } finally {
        await after.close()
      }
    } finally {
      await other.kill()
    }
  })
})

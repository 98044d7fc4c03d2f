import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Env } from '../../src/core/config/env.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { apiKey, siteUser } from '../helpers/invites.ts'
import { listen } from '../../src/local/listen.ts'
import { runCli } from '../helpers/cli.ts'
import { runInvites } from '../../src/cli/invite-run.ts'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

interface Served {
  bridge: TestBridge
  url: string
  key: string
  close(): Promise<void>
}

/** The real app behind a real socket on loopback, as the CLI meets it. */
async function serveBridge(env: Env = {}): Promise<Served> {
  const key = apiKey()
  const bridge = await startTestBridge({ env: { INVITE_API_KEYS: key, ...env } })
  const { port, close } = await listen(bridge.app.fetch, { hostname: '127.0.0.1', port: 0 })
  return {
    bridge,
    url: `http://127.0.0.1:${port}`,
    key,
    async close() {
      await close()
      await bridge.close()
    },
  }
}

const run = (argv: string[], env: Env = {}, options: { tty?: boolean } = {}) => runCli(['invite', ...argv], env, options)

let served: Served
let args: (...rest: string[]) => string[]
beforeEach(async () => {
  served = await serveBridge()
  args = (...rest) => [...rest, '--url', served.url]
})
afterEach(async () => {
  await served.close()
})

describe('invite-bridge invite', () => {
  it('invites the addresses it is given, once each, and exits 0', async () => {
    const result = await run(args('ann@example.com', 'Bob@Example.com'), { INVITE_API_KEY: served.key })
    expect(result.status).toBe(0)
    expect(result.out).toEqual([
      expect.stringMatching(/^invited +ann@example\.com$/),
      expect.stringMatching(/^invited +bob@example\.com$/),
      '2 addresses: 2 invited',
    ])
    expect(served.bridge.invitesTo('ann@example.com')).toBe(1)
    expect(served.bridge.invitesTo('bob@example.com')).toBe(1)
  })

  it('reads a CSV (quoted fields, CRLF) and sends the named columns as metadata', async () => {
    const csv = join(served.bridge.dataDir, 'people.csv')
    await writeFile(csv, '\uFEFFName,Email,Company,notes\r\n"Doe, Ann",ann@example.com,"Acme ""East""",x\r\nBob,bob@example.com,,y\r\n,,,\r\nNo Mail,,Acme,z\r\n')
    const result = await run(args('--csv', csv, '--data-columns', 'name,company', '--data', '{"source":"import"}', '--key', served.key))
    expect(result.status).toBe(0)
    expect(result.err).toContain(`${csv} line 5: no email, skipped`)
    const users = Object.fromEntries(served.bridge.identity.sandbox.users().map((user) => [user.email, user.user_metadata]))
    expect(users).toEqual({
      'ann@example.com': { source: 'import', Name: 'Doe, Ann', Company: 'Acme "East"' },
      'bob@example.com': { source: 'import', Name: 'Bob' },
    })
  })

  it('is a no-op when run again: every address duplicate, exit 0, nothing sent twice', async () => {
    const list = args('ann@example.com', 'bob@example.com', 'cat@example.com', '--key', served.key)
    expect((await run(list)).status).toBe(0)
    const again = await run(list)
    expect(again.status).toBe(0)
    expect(again.out.at(-1)).toBe('3 addresses: 3 duplicate')
    expect(served.bridge.identity.sandbox.invites).toHaveLength(3)
  })

  it('reports an address listed twice once as invited and once as duplicate', async () => {
    const result = await run(args('ann@example.com', 'ANN@example.com', '--key', served.key))
    expect(result.out.slice(0, 2)).toEqual([expect.stringMatching(/^invited /), expect.stringMatching(/^duplicate +ANN@example\.com +listed earlier$/)])
    expect(served.bridge.invitesTo('ann@example.com')).toBe(1)
  })

  it('exits 1 and names what is left when identity keeps failing; a later run finishes the job', async () => {
    served.bridge.identity.sandbox.faults.set({ kind: 'status', status: 503 })
    const failing = await run(args('ann@example.com', 'bob@example.com', '--key', served.key, '--retries', '1'))
    expect(failing.status).toBe(1)
    expect(failing.out.slice(0, 2)).toEqual([expect.stringMatching(/^failed +ann@example\.com/), expect.stringMatching(/^failed +bob@example\.com/)])
    expect(failing.err.at(-1)).toMatch(/2 addresses are not done: run the same command again/)
    expect(served.bridge.identity.sandbox.invites).toHaveLength(0)

    served.bridge.identity.sandbox.faults.clear()
    expect((await run(args('ann@example.com', 'bob@example.com', '--key', served.key))).status).toBe(0)
    expect(served.bridge.identity.sandbox.invites).toHaveLength(2)
  })

  it('retries an address identity failed once, within the same run', async () => {
    served.bridge.identity.sandbox.faults.set({ kind: 'status', status: 500, times: 1 })
    const result = await run(args('ann@example.com', 'bob@example.com', 'cat@example.com', '--key', served.key))
    expect(result.status).toBe(0)
    expect(result.out.at(-1)).toBe('3 addresses: 3 invited')
    for (const email of ['ann@example.com', 'bob@example.com', 'cat@example.com']) expect(served.bridge.invitesTo(email)).toBe(1)
  })

  it("fits its batches to the bridge's INVITE_MAX_BATCH", async () => {
    const small = await serveBridge({ INVITE_MAX_BATCH: '3' })
    try {
      const emails = Array.from({ length: 8 }, (_, i) => `p${i}@example.com`)
      const result = await run([...emails, '--url', small.url, '--key', small.key, '--batch-size', '50'])
      expect(result.status).toBe(0)
      expect(small.bridge.identity.sandbox.invites).toHaveLength(8)
    } finally {
      await small.close()
    }
  })

  it('signs in with a site admin\'s Identity token', async () => {
    const admin = await siteUser(served.bridge, 'site.admin@example.com', { roles: ['admin'] })
    expect((await run(args('ann@example.com', '--token', admin.accessToken))).status).toBe(0)
    expect(served.bridge.invitesTo('ann@example.com')).toBe(1)
  })

  it('stops at the first refusal of its credentials, exits 1, and invites nobody', async () => {
    const result = await run(args('ann@example.com', 'bob@example.com', 'cat@example.com', '--key', apiKey(), '--batch-size', '1', '--concurrency', '1'))
    expect(result.status).toBe(1)
    expect(result.out[0]).toMatch(/^not_sent +ann@example\.com +401 unauthorized: /)
    expect(served.bridge.logs).toHaveLength(1)
    expect(served.bridge.identity.sandbox.invites).toHaveLength(0)
  })

  it('exits 1 for addresses over the hourly cap, without retrying them', async () => {
    const capped = await serveBridge({ INVITE_HOURLY_LIMIT: '2' })
    try {
      const result = await run(['a@example.com', 'b@example.com', 'c@example.com', '--url', capped.url, '--key', capped.key])
      expect(result.status).toBe(1)
      expect(result.out.at(-1)).toBe('3 addresses: 2 invited, 1 rejected')
      expect(capped.bridge.logs).toHaveLength(1)
    } finally {
      await capped.close()
    }
  })

  it('exits 1 when the bridge cannot be reached', async () => {
    const result = await run(['ann@example.com', '--url', 'http://127.0.0.1:9', '--key', served.key, '--retries', '0'])
    expect(result.status).toBe(1)
    expect(result.out[0]).toMatch(/^not_sent +ann@example\.com +could not reach/)
  })

  it('draws a progress bar on a terminal and plain lines otherwise', async () => {
    const tty = await run(args('a@example.com', 'b@example.com', '--key', served.key, '--batch-size', '1'), {}, { tty: true })
    expect(tty.progress.at(-2)).toMatch(/^\[#{24}\] 2\/2 done: 2 invited$/)
    expect(tty.progress.at(-1)).toBeNull()
    expect(tty.err).toEqual([])
    const plain = await run(args('c@example.com', '--key', served.key))
    expect(plain.err).toEqual(['1/1 done: 1 invited'])
  })
})

describe('runInvites waiting for a held address', () => {
  it("waits as long as the bridge's Retry-After asks (an address held after a timed-out invite), not only its own 10 s backoff", async () => {
    // POST /invites as the route answers it: first the address is held (in_progress, 60 s), then invited.
    const answers = [
      { status: 409, result: { email: 'ann@example.com', outcome: 'in_progress', retryable: true, retryAfterSeconds: 60, reason: 'this person is being invited by another request' } },
      { status: 200, result: { email: 'ann@example.com', outcome: 'invited' } },
    ]
    const server = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        const { status, result } = answers.shift()!
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ results: [result], summary: {} }))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const waits: number[] = []
    try {
      const lines = await runInvites([{ email: 'ann@example.com' }], {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        authorization: 'Bearer test',
        batchSize: 10,
        concurrency: 1,
        retries: 2,
        io: { out: () => {}, err: () => {} },
        sleep: async (ms) => void waits.push(ms),
      })
      expect(lines).toEqual([{ email: 'ann@example.com', outcome: 'invited', done: true }])
      expect(waits).toEqual([60_000])
    } finally {
      server.close()
    }
  })
})

describe('invite-bridge invite: arguments', () => {
  it('prints complete help', async () => {
    const { status, out } = await run(['--help'])
    expect(status).toBe(0)
    const help = out.join('\n')
    for (const option of ['--csv', '--data-columns', '--data', '--url', '--key', '--token', '--batch-size', '--concurrency', '--retries', 'INVITE_API_KEY', 'Exit status']) {
      expect(help).toContain(option)
    }
  })

  it.each<[string[], Env, string]>([
    [['--key', 'k'.repeat(20)], {}, 'name at least one address'],
    [['a@example.com'], {}, 'no credentials'],
    [['a@example.com', '--key', 'x', '--token', 'y'], {}, 'pass one'],
    [['a@example.com', '--data', '[1]'], { INVITE_API_KEY: 'x' }, '--data must be a JSON object'],
    [['a@example.com', '--data-columns', 'name'], { INVITE_API_KEY: 'x' }, 'pass --csv'],
    [['a@example.com', '--batch-size', '0'], { INVITE_API_KEY: 'x' }, '--batch-size must be a whole number'],
    [['a@example.com', '--url', 'ftp://example.com'], { INVITE_API_KEY: 'x' }, '--url must be an http(s) URL'],
    [['--csv', '/nonexistent/people.csv'], { INVITE_API_KEY: 'x' }, 'cannot read /nonexistent/people.csv'],
    [['a@example.com', '--bogus'], { INVITE_API_KEY: 'x' }, "Unknown option '--bogus'"],
  ])('%j fails with one line and exit 2', async (argv, env, message) => {
    const { status, err } = await run(argv, env)
    expect(status).toBe(2)
    expect(err).toHaveLength(1)
    expect(err[0]).toContain(message)
  })

  it('exits 2 naming the columns when the CSV has no email column, or not the --data-columns asked for', async () => {
    const csv = join(served.bridge.dataDir, 'bad.csv')
    await writeFile(csv, 'name,mail\nAnn,ann@example.com\n')
    const missingEmail = await run(['--csv', csv, '--key', served.key])
    expect(missingEmail).toMatchObject({ status: 2, err: [expect.stringContaining('no "email" column in its first line (columns: name, mail)')] })
    await writeFile(csv, 'name,email\nAnn,ann@example.com\n')
    const missingColumn = await run(['--csv', csv, '--data-columns', 'company', '--key', served.key])
    expect(missingColumn).toMatchObject({ status: 2, err: [expect.stringContaining('no "company" column')] })
  })
})

/**
 * node --experimental-strip-types scripts/body-flood.ts [senders] [inflightBytes]
 *
 * Measures the bridge's resident memory under a flood of unsigned webhook
 * bodies just under the 1 MiB limit (the README's figure comes from here).
 * The bridge runs in a child process, so only its memory is measured; every
 * sender sends half its body, waits until the bridge has started on all of
 * them, then sends the rest, as senders on slow links are all in flight at
 * once. Not a test: the numbers depend on the machine.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

type FromBridge = { port: number } | { arrived: true } | { peakRss: number; baseRss: number }

if (process.argv[2] === '--bridge') await runBridge(process.argv[3] ?? '')
else await runFlood(Number(process.argv[2] ?? 1500), process.argv[3])

/** The child: the real app on loopback, counting requests as they arrive and sampling its own RSS. */
async function runBridge(inflight: string): Promise<void> {
  const { createApp } = await import('../src/app.ts')
  const { loadConfig } = await import('../src/core/config/config.ts')
  const { SENDERS } = await import('../src/handlers/senders.ts')
  const { openSqliteStore } = await import('../src/stores/sqlite-store.ts')
  const { listen } = await import('../src/local/listen.ts')
  const dir = mkdtempSync(join(tmpdir(), 'invite-bridge-flood-'))
  const env = {
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
    IDENTITY_URL: 'http://127.0.0.1:9/.netlify/identity',
    IDENTITY_ADMIN_TOKEN: randomBytes(16).toString('hex'),
    ...(inflight ? { BRIDGE_MAX_INFLIGHT_BYTES: inflight } : {}),
  }
  const app = createApp({ config: loadConfig(env, SENDERS), senders: SENDERS, store: openSqliteStore({ dir }), log: () => {} })
  const send = (message: FromBridge) => process.send!(message)
  const baseRss = process.memoryUsage().rss
  let peakRss = baseRss
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5)
  const server = await listen(
    (req, env) => {
      send({ arrived: true })
      return app.fetch(req, env)
    },
    { hostname: '127.0.0.1', port: 0 },
  )
  process.on('message', async () => {
    clearInterval(sampler)
    send({ peakRss, baseRss })
    await server.close()
    rmSync(dir, { recursive: true, force: true })
    process.exit(0)
  })
  send({ port: server.port })
}

async function runFlood(senders: number, inflight: string | undefined): Promise<void> {
  const bridge = fork(fileURLToPath(import.meta.url), ['--bridge', inflight ?? ''], {
    execArgv: ['--experimental-strip-types', '--disable-warning=ExperimentalWarning'],
  })
  const port = await new Promise<number>((resolve) => bridge.on('message', (m: FromBridge) => 'port' in m && resolve(m.port)))
  let arrived = 0
  let release!: () => void
  const allArrived = new Promise<void>((resolve) => (release = resolve))
  bridge.on('message', (m: FromBridge) => 'arrived' in m && ++arrived === senders && release())

  const body = Buffer.alloc(1024 * 1024 - 1024, ' ')
  body.write('{"id":"evt_flood","type":"checkout.session.completed"}')
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity })
  const started = Date.now()
  const statuses = await Promise.all(Array.from({ length: senders }, () => post(port, body, agent, allArrived)))
  const seconds = (Date.now() - started) / 1000
  agent.destroy()

  const memory = await stop(bridge)
  const counts = new Map<string, number>()
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1)
  const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`
  console.log(
    `${senders} bodies of ${body.length} bytes, BRIDGE_MAX_INFLIGHT_BYTES=${inflight ?? 'default'}: ` +
      `${[...counts].map(([status, n]) => `${n} × ${status}`).join(', ')} in ${seconds.toFixed(1)} s; ` +
      `bridge resident ${mb(memory.baseRss)} before, ${mb(memory.peakRss)} at peak`,
  )
}

function post(port: number, body: Buffer, agent: Agent, hold: Promise<void>): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/webhooks/stripe', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        const parts: Buffer[] = []
        res.on('data', (part: Buffer) => parts.push(part))
        res.on('end', () => resolve(`${res.statusCode} ${(JSON.parse(Buffer.concat(parts).toString() || '{}') as { error?: { code: string } }).error?.code ?? ''}`))
      },
    )
    req.on('error', (error) => resolve(`error ${(error as NodeJS.ErrnoException).code}`))
    req.write(body.subarray(0, body.length / 2))
    void hold.then(() => req.end(body.subarray(body.length / 2)))
  })
}

function stop(bridge: ChildProcess): Promise<{ peakRss: number; baseRss: number }> {
  return new Promise((resolve) => {
    bridge.on('message', (m: FromBridge) => 'peakRss' in m && resolve(m))
    bridge.send('stop')
  })
}

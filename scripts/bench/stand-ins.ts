import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { startLocalBlobsServer } from '../../test/stores/local-blobs-server.ts'

export interface IdentityStandIn {
  /** Where a site's Identity lives, as IDENTITY_URL takes it. */
  url: string
  invites(): number
  /** The most invites it was answering at once: what the bridge really keeps in flight. */
  peakInFlight(): number
  close(): Promise<void>
}

/**
 * The least an identity server can be: POST …/invite answers 200 with a
 * GoTrue-shaped user after `delayMs`, and checks nothing. It isolates what
 * the bridge costs from what the sandbox or a real GoTrue costs.
 */
export async function serveIdentityStandIn(options: { delayMs: number }): Promise<IdentityStandIn> {
  let invites = 0
  let inFlight = 0
  let peak = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', async () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/invite')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":404,"msg":"not found"}')
        return
      }
      const { email } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { email: string }
      peak = Math.max(peak, ++inFlight)
      if (options.delayMs > 0) await sleep(options.delayMs)
      inFlight--
      invites++
      const now = new Date().toISOString()
      const user = { id: randomUUID(), aud: '', role: '', email, invited_at: now, app_metadata: { provider: 'email' }, user_metadata: {}, created_at: now, updated_at: now }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(user))
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.netlify/identity`,
    invites: () => invites,
    peakInFlight: () => peak,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done())
        server.closeAllConnections()
      }),
  }
}

export interface CountingBlobs {
  /** NETLIFY_BLOBS_CONTEXT as the Netlify runtime sets it, pointing at this server. */
  context: string
  /** Requests seen since the last reset, by HTTP method; listings (a GET with ?prefix=) count as LIST. */
  counts(): Record<string, number>
  /** ms the server spent answering them, summed. */
  busyMs(): number
  reset(): void
  stop(): Promise<void>
}

/**
 * The local Netlify Blobs server the tests use, counting every request that
 * reaches it: one request is one store round trip the function paid for.
 */
export async function serveCountingBlobs(): Promise<CountingBlobs> {
  let counts: Record<string, number> = {}
  let busyMs = 0
  const blobs = await startLocalBlobsServer({
    onAnswered(request, elapsedMs) {
      busyMs += elapsedMs
      // A listing is a GET of the store with ?prefix=; told apart because only the local server needs it.
      const kind = request.method === 'GET' && new URL(request.url).searchParams.has('prefix') ? 'LIST' : request.method
      counts[kind] = (counts[kind] ?? 0) + 1
    },
  })
  // A deployed function reaches Blobs through the edge URLs; strong reads use the uncached one.
  const context = Buffer.from(JSON.stringify(blobs.options('edge'))).toString('base64')
  return {
    context,
    counts: () => ({ ...counts }),
    busyMs: () => busyMs,
    reset() {
      counts = {}
      busyMs = 0
    },
    stop: () => blobs.stop(),
  }
}

/** "GET 2, LIST 1, PUT 4" */
export function describeCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b))
  return entries.length ? entries.map(([method, n]) => `${method} ${n}`).join(', ') : 'none'
}

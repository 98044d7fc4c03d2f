import { request as httpRequest, Agent, type IncomingHttpHeaders } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { listen, type Listening } from '../../src/local/listen.ts'
import { stripeEvent } from '../helpers/fixtures.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { stripeRequest } from '../helpers/signing.ts'

/**
 * Bodies over real HTTP on loopback, as senders (and floods) send them: only a
 * real server shows whether a body was read before it was refused.
 */
let bridge: TestBridge | undefined
let server: Listening | undefined
afterEach(async () => {
  await server?.close()
  await bridge?.close()
  server = bridge = undefined
})

/** `arrived` is told of each request as the server starts on it, before its body is read. */
async function serve(env: Record<string, string>, arrived?: () => void) {
  const served = await startTestBridge({ env })
  bridge = served
  server = await listen(
    (request, env) => {
      arrived?.()
      return served.app.fetch(request, env)
    },
    { hostname: '127.0.0.1', port: 0 },
  )
  return { bridge: served, port: server.port }
}

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: { error?: { code: string } } & Record<string, unknown>
}

interface PostOptions {
  headers: Record<string, string>
  chunks: Buffer[]
  /** false: the body never ends, which proves the answer came without reading it all. */
  end?: boolean
  agent?: Agent
  /** The last chunk waits for this, as a slow sender's would. */
  hold?: Promise<void>
}

function post(port: number, path: string, options: PostOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: options.headers, agent: options.agent ?? false }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (part: Buffer) => parts.push(part))
      res.on('end', () => {
        if (options.end === false) req.destroy()
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') })
      })
    })
    // The server may answer and close before the whole body is written; the answer is what counts.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)))
    req.flushHeaders()
    const last = options.chunks.at(-1)
    for (const chunk of options.chunks.slice(0, -1)) req.write(chunk)
    void (options.hold ?? Promise.resolve()).then(() => {
      if (last) req.write(last)
      if (options.end !== false) req.end()
    })
  })
}

const KiB = 1024
const MiB = 1024 * KiB

describe('a body over BRIDGE_MAX_BODY_BYTES', () => {
  it('is refused 413 on its declared Content-Length, before a byte of it is sent', async () => {
    const { port, bridge } = await serve({ BRIDGE_MAX_BODY_BYTES: String(64 * KiB) })
    const answer = await post(port, '/webhooks/stripe', {
      headers: { 'content-type': 'application/json', 'content-length': String(10 * MiB) },
      chunks: [],
      end: false,
    })
    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } })
    expect(bridge.logs).toEqual([])
  })

  it('is refused 413 as soon as a chunked body passes the limit, though the body never ends', async () => {
    const { port } = await serve({ BRIDGE_MAX_BODY_BYTES: String(64 * KiB) })
    const answer = await post(port, '/invites', {
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: Array.from({ length: 5 }, () => Buffer.alloc(16 * KiB, 'x')),
      end: false,
    })
    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } })
  })

  it('lets a chunked body under the limit through to the route', async () => {
    const { port, bridge } = await serve({})
    const init = await stripeRequest(stripeEvent('checkout.session.completed'), bridge.secrets.stripe)
    const body = Buffer.from(String(init.body))
    const half = Math.floor(body.length / 2)
    const answer = await post(port, '/webhooks/stripe', {
      headers: { ...(init.headers as Record<string, string>), 'transfer-encoding': 'chunked' },
      chunks: [body.subarray(0, half), body.subarray(half)],
    })
    expect(answer).toMatchObject({ status: 200, body: { outcome: 'invited' } })
  })
})

describe('many near-limit bodies at once', () => {
  it('holds at most BRIDGE_MAX_INFLIGHT_BYTES of them: the rest get 503 bridge_busy with Retry-After, and the budget comes back', async () => {
    const senders = 200
    // No sender sends the second half of its body before the server has started on all of them:
    // all 200 are in flight at once, as they are over slow links.
    let arrived = 0
    let allArrived!: () => void
    const hold = new Promise<void>((resolve) => (allArrived = resolve))
    const { port, bridge } = await serve({ BRIDGE_MAX_INFLIGHT_BYTES: String(8 * MiB) }, () => ++arrived === senders && allArrived())
    // Unsigned, just under the 1 MiB limit: what a flood looks like. One buffer, so the senders cost little memory themselves.
    const body = Buffer.alloc(900 * KiB, ' ')
    body.write('{"id":"evt_flood","type":"checkout.session.completed"}')
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity })
    const rssBefore = process.memoryUsage().rss
    let peakRss = rssBefore
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5)
    let answers: Answer[]
    try {
      answers = await Promise.all(
        Array.from({ length: senders }, () =>
          post(port, '/webhooks/stripe', {
            headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
            chunks: [body.subarray(0, body.length / 2), body.subarray(body.length / 2)],
            agent,
            hold,
          }),
        ),
      )
    } finally {
      clearInterval(sampler)
      agent.destroy()
    }

    const busy = answers.filter((answer) => answer.status === 503)
    expect(busy.length).toBeGreaterThan(0)
    for (const answer of busy) {
      expect(answer.body.error?.code).toBe('bridge_busy')
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0)
    }
    // Those that were read were refused for what they are: unsigned.
    expect(new Set(answers.filter((answer) => answer.status !== 503).map((answer) => answer.body.error?.code))).toEqual(new Set(['missing_signature']))
    // 200 bodies of 900 KiB held at once would be 180 MB before any copy (about 230 MB of growth without a
    // budget, here); with 8 MiB of budget it is about 50 MB, mostly sockets. Generous: behaviour, not performance.
    expect(peakRss - rssBefore).toBeLessThan(120 * MiB)

    // Every reservation was given back: a real delivery is accepted.
    expect(await bridge.deliverStripe(stripeEvent('checkout.session.completed'))).toMatchObject({ status: 200, outcome: 'invited' })
  })
})

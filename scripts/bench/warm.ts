import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { resign, signedCheckout, type SignedDelivery } from './events.ts'
import { postRepeatedly, type LoadResult } from './load.ts'
import { figure, type Figure } from './report.ts'
import { BenchError, ROOT, STRIP_TYPES, progress, startServer, tempFolder } from './run.ts'
import { serveIdentityStandIn } from './stand-ins.ts'
import { alternate, summarise } from './stats.ts'

export interface WarmOptions {
  rounds: number
  requestsPerRound: number
  /** Sent to each server at 10 at once before anything is measured. */
  warmupRequests: number
  concurrencies: number[]
}

/**
 * 3. The same signed event over and over to a warm `npm start` server (the
 * duplicate path: verify, look up, answer), against a bare node:http server
 * that only checks the HMAC.
 */
export async function measureWarmDuplicates(rawHttpServer: string, options: WarmOptions): Promise<{ figures: Figure[]; notes: string[] }> {
  const secret = `whsec_${randomBytes(24).toString('base64')}`
  const identity = await serveIdentityStandIn({ delayMs: 0 })
  const dataDir = await tempFolder('warm')
  const bridge = await startServer(
    [...STRIP_TYPES, join(ROOT, 'src', 'server.ts')],
    {
      NODE_ENV: 'production',
      BRIDGE_DATA_DIR: dataDir,
      STRIPE_WEBHOOK_SECRET: secret,
      IDENTITY_URL: identity.url,
      IDENTITY_ADMIN_TOKEN: randomBytes(24).toString('hex'),
    },
    'npm start (src/server.ts)',
  )
  const raw = await startServer([rawHttpServer], { STRIPE_WEBHOOK_SECRET: secret }, 'the node:http baseline')
  try {
    const first = await signedCheckout(`evt_bench_warm_${randomBytes(4).toString('hex')}`, 'warm.buyer@example.com', secret)
    await expectOutcome(bridge.url, first, 'invited')

    const load = async (base: string, concurrency: number, total: number): Promise<LoadResult> => {
      // Signed afresh each round: a full run outlasts no tolerance window.
      const delivery = await resign(first.body, secret)
      const result = await postRepeatedly(
        { url: `${base}/webhooks/stripe`, headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature }, body: delivery.body },
        { concurrency, total },
      )
      const other = Object.keys(result.statuses).filter((status) => status !== '200')
      if (other.length) throw new BenchError(`${base} answered ${JSON.stringify(result.statuses)} to a valid duplicate`)
      return result
    }
    progress('warm duplicate path: warming up')
    // Warm means compiled: the bridge's path is long enough that V8 keeps optimising it for thousands of requests
    // (measured: c=1 throughput still rising after 6,000), where the baseline's few lines are hot after a hundred.
    await load(bridge.url, 10, options.warmupRequests)
    await load(raw.url, 10, options.warmupRequests)

    const figures: Figure[] = []
    for (const concurrency of options.concurrencies) {
      const runs = await alternate(
        { bridge: () => load(bridge.url, concurrency, options.requestsPerRound), raw: () => load(raw.url, concurrency, options.requestsPerRound) },
        options.rounds,
        (done) => progress(`warm duplicate path, concurrency ${concurrency}: round ${done}/${options.rounds}`),
      )
      const of = (results: LoadResult[], key: 'requestsPerSecond' | 'p50Ms' | 'p99Ms') => summarise(results.map((result) => result[key]))
      const against = (key: 'requestsPerSecond' | 'p50Ms' | 'p99Ms') => ({ name: 'node:http + HMAC', summary: of(runs.raw, key) })
      const label = `warm duplicate, concurrency ${concurrency}`
      figures.push(
        figure(`${label}: throughput`, 'req/s', of(runs.bridge, 'requestsPerSecond'), against('requestsPerSecond')),
        figure(`${label}: p50 latency`, 'ms', of(runs.bridge, 'p50Ms'), against('p50Ms')),
        figure(`${label}: p99 latency`, 'ms', of(runs.bridge, 'p99Ms'), against('p99Ms')),
      )
    }

    await expectOutcome(bridge.url, await resign(first.body, secret), 'duplicate')
    if (identity.invites() !== 1) throw new BenchError(`the warm run sent ${identity.invites()} invites for one event, not 1`)
    return {
      figures,
      notes: [
        `warm: ${options.warmupRequests} requests to each server first, then ${options.rounds} rounds of ${options.requestsPerRound} per server and concurrency, one keep-alive socket per request in flight; ` +
          'the bridge is `npm start` (SQLite store, one JSON log line per delivery to /dev/null); the client shares the machine with both servers',
      ],
    }
  } finally {
    await bridge.stop()
    await raw.stop()
    await identity.close()
  }
}

async function expectOutcome(base: string, delivery: SignedDelivery, outcome: string): Promise<void> {
  const response = await fetch(`${base}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature },
    body: delivery.body,
    signal: AbortSignal.timeout(10_000),
  })
  const text = await response.text()
  const answered = (JSON.parse(text) as { outcome?: string }).outcome
  if (response.status !== 200 || answered !== outcome) throw new BenchError(`expected "${outcome}" from ${base}, got ${response.status} ${text}`)
}

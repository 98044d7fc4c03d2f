import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { netlifyBootstrapUrl, type Bundle } from './build.ts'
import { signedCheckout } from './events.ts'
import { figure, type Figure } from './report.ts'
import { BenchError, childEnv, progress, runNode } from './run.ts'
import { describeCounts, serveCountingBlobs, serveIdentityStandIn } from './stand-ins.ts'
import { alternate, summarise } from './stats.ts'

/*
 * A fresh process as a Netlify cold start would be: import Netlify's
 * function bootstrap, then the bundle (timed from there), build
 * a Request the way the runtime hands one over, call the default export once
 * with a context whose waitUntil keeps what the function hands it (as the
 * runtime does), print the answer. Every request to Blobs is counted in the
 * process, split at the moment the answer came back; a store key names the
 * person hash key's requests, which the budget leaves out (BENCH_TRACE=1 in
 * its environment prints each one to stderr). The last line is ours; the
 * bridge logs its own line before it.
 */
const DELIVER_ONCE = `await import(process.argv[3])
const started = performance.now()
const blobs = JSON.parse(Buffer.from(process.env.NETLIFY_BLOBS_CONTEXT ?? 'e30=', 'base64').toString()).edgeURL
const counts = { before: {}, after: {} }
let phase = 'before'
const realFetch = globalThis.fetch
globalThis.fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input))
  if (blobs && url.href.startsWith(blobs)) {
    const method = (input instanceof Request ? input.method : (init?.method ?? 'GET')).toUpperCase()
    const kind = method === 'GET' && url.searchParams.has('prefix') ? 'LIST' : method
    const hashKey = decodeURIComponent(url.pathname + url.search).includes('meta/person-hash-key') ? ' hash-key' : ''
    counts[phase][kind + hashKey] = (counts[phase][kind + hashKey] ?? 0) + 1
    if (process.env.BENCH_TRACE) process.stderr.write(phase + ' ' + kind + ' ' + decodeURIComponent(url.pathname + url.search) + '\\n')
  }
  return realFetch(input, init)
}
const { default: handler } = await import(process.argv[2])
const imported = performance.now()
const request = new Request('https://bench.example/webhooks/stripe', {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'stripe-signature': process.env.BENCH_SIGNATURE },
  body: process.env.BENCH_BODY,
})
const pending = []
const response = await handler(request, { waitUntil: (promise) => pending.push(promise) })
const answered = performance.now()
phase = 'after'
const body = await response.text()
await Promise.all(pending)
const settled = performance.now()
process.stdout.write('\\nBENCH ' + JSON.stringify({
  importMs: imported - started,
  handleMs: answered - imported,
  answeredAt: performance.timeOrigin + answered,
  settleMs: settled - answered,
  counts,
  status: response.status,
  body,
}) + '\\n')
process.exit(0)
`

type Counts = Record<string, number>

interface Delivered {
  /** spawn → the process exited, after whatever it was asked to wait for. */
  processMs: number
  /** spawn → the handler's answer. */
  answerMs: number
  importMs: number
  handleMs: number
  /** answer → the work handed to waitUntil settled. */
  settleMs: number
  counts: { before: Counts; after: Counts }
  status: number
  body: string
}

export interface ColdDeliveryResult {
  figures: Figure[]
  notes: string[]
}

/**
 * What hosted Blobs would be asked, the person hash key left out: the local
 * server sends no ETag on reads, so each read that needs an existing
 * record's etag (to compare-and-swap it) costs a LIST and a second GET there
 * that the hosted service would not see. Reads of a value alone are one GET
 * on both (KeyValueStore.read).
 */
function hostedCount(counts: Counts): number {
  const own = Object.entries(counts).filter(([kind]) => !kind.endsWith(' hash-key'))
  const list = own.find(([kind]) => kind === 'LIST')?.[1] ?? 0
  return own.reduce((sum, [, n]) => sum + n, 0) - 2 * list
}

/** 2. One signed checkout.session.completed handled by a fresh process, identity and Blobs on loopback. */
export async function measureColdDelivery(bundles: { bridge: Bundle; stripeSamples: Bundle }, folder: string, iterations: number): Promise<ColdDeliveryResult> {
  const runner = join(folder, 'deliver-once.mjs')
  await writeFile(runner, DELIVER_ONCE)
  const identity = await serveIdentityStandIn({ delayMs: 0 })
  const blobs = await serveCountingBlobs()
  const secret = `whsec_${randomBytes(24).toString('base64')}`
  const env = {
    STRIPE_WEBHOOK_SECRET: secret,
    IDENTITY_URL: identity.url,
    IDENTITY_ADMIN_TOKEN: randomBytes(24).toString('hex'),
    NETLIFY_BLOBS_CONTEXT: blobs.context,
  }
  const runId = randomBytes(4).toString('hex')
  let n = 0

  const deliver = async (bundle: Bundle, extraEnv: Record<string, string>): Promise<Delivered> => {
    n++
    const delivery = await signedCheckout(`evt_bench_${runId}_${n}`, `buyer.${runId}.${n}@example.com`, secret)
    const spawnedAt = performance.timeOrigin + performance.now()
    const run = await runNode([runner, pathToFileURL(bundle.file).href, netlifyBootstrapUrl()], {
      env: childEnv({ ...env, ...extraEnv, BENCH_BODY: delivery.body, BENCH_SIGNATURE: delivery.signature }),
      timeoutMs: 30_000,
    })
    const line = run.stdout.split('\n').findLast((text) => text.startsWith('BENCH '))
    if (!line) throw new BenchError(`the delivery runner printed no answer:\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`)
    const answer = JSON.parse(line.slice('BENCH '.length)) as Omit<Delivered, 'processMs' | 'answerMs'> & { answeredAt: number }
    return { ...answer, processMs: run.wallMs, answerMs: answer.answeredAt - spawnedAt }
  }

  const roundTrips: Array<Delivered['counts']> = []
  const storeBusyMs: number[] = []
  try {
    const runs = await alternate(
      {
        bridge: async () => {
          blobs.reset()
          const delivered = await deliver(bundles.bridge, {})
          roundTrips.push(delivered.counts)
          storeBusyMs.push(blobs.busyMs())
          const outcome = (JSON.parse(delivered.body) as { outcome?: string }).outcome
          if (delivered.status !== 200 || outcome !== 'invited') throw new BenchError(`the bridge answered ${delivered.status} ${delivered.body}, not "invited"`)
          return delivered
        },
        stripeSamples: async () => {
          const delivered = await deliver(bundles.stripeSamples, { STRIPE_SECRET_KEY: `sk_test_${randomBytes(12).toString('hex')}` })
          if (delivered.status !== 200) throw new BenchError(`the stripe-samples function answered ${delivered.status} ${delivered.body}`)
          return delivered
        },
      },
      iterations,
      (done) => progress(`first delivery, cold ${done}/${iterations}`),
    )
    if (identity.invites() !== 2 * iterations) throw new BenchError(`expected ${2 * iterations} invites at the identity stand-in, saw ${identity.invites()}`)

    type Timing = 'processMs' | 'answerMs' | 'importMs' | 'handleMs'
    const of = (samples: Delivered[], key: Timing) => summarise(samples.map((sample) => sample[key]))
    const baseline = (key: Timing) => ({ name: 'stripe-samples', summary: of(runs.stripeSamples, key) })
    const none = { name: 'stripe-samples', summary: summarise([0]) }
    const byKind = (phase: 'before' | 'after') => {
      const fresh = describeCounts(roundTrips[0]![phase])
      const later = [...new Set(roundTrips.slice(1).map((counts) => describeCounts(counts[phase])))]
      return `on a fresh store (the site's first ever) ${fresh}${later.length ? `; on later cold starts ${later.join(' / ')}` : ''}`
    }
    return {
      figures: [
        figure('first delivery, cold: process start → answer', 'ms', of(runs.bridge, 'answerMs'), baseline('answerMs')),
        figure('first delivery, cold: process start → exit', 'ms', of(runs.bridge, 'processMs'), baseline('processMs')),
        figure('first delivery, cold: import, in-process', 'ms', of(runs.bridge, 'importMs'), baseline('importMs')),
        figure('first delivery, cold: handling after import', 'ms', of(runs.bridge, 'handleMs'), baseline('handleMs')),
        figure('first delivery, cold: store round trips before the answer, hosted', 'requests', summarise(roundTrips.map((counts) => hostedCount(counts.before))), none),
        figure('first delivery, cold: store round trips after the answer, hosted', 'requests', summarise(roundTrips.map((counts) => hostedCount(counts.after))), none),
        figure('first delivery, cold: Blobs server answering, in all', 'ms', summarise(storeBusyMs)),
        figure('first delivery, cold: answer → waitUntil work settled', 'ms', summarise(runs.bridge.map((run) => run.settleMs))),
      ],
      notes: [
        `Blobs requests of one first delivery before the answer, by kind: ${byKind('before')}`,
        `Blobs requests after the answer (handed to context.waitUntil): ${byKind('after')}`,
        "\"hosted\" counts what hosted Blobs would be asked, leaving out the person hash key (read once per instance, written once per site): the stand-in is " +
          "Netlify's local BlobsServer, which sends no ETag on reads, so each read that needs an existing record's etag costs a LIST and a second GET there " +
          'that the hosted service would not (a value read alone is one GET on both); it also holds each PUT 2 ms (see test/stores/local-blobs-server.ts)',
      ],
    }
  } finally {
    await identity.close()
    await blobs.stop()
  }
}


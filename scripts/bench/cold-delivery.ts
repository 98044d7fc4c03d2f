import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Bundle } from './build.ts'
import { signedCheckout } from './events.ts'
import { figure, type Figure } from './report.ts'
import { BenchError, childEnv, progress, runNode } from './run.ts'
import { describeCounts, serveCountingBlobs, serveIdentityStandIn, totalCount } from './stand-ins.ts'
import { alternate, summarise } from './stats.ts'

/*
 * A fresh process as a Netlify cold start would be: import the bundle, build
 * a Request the way the runtime hands one over, call the default export once,
 * print the answer. The last line is ours; the bridge logs its own line
 * before it.
 */
const DELIVER_ONCE = `const started = performance.now()
const { default: handler } = await import(process.argv[2])
const imported = performance.now()
const request = new Request('https://bench.example/webhooks/stripe', {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'stripe-signature': process.env.BENCH_SIGNATURE },
  body: process.env.BENCH_BODY,
})
const response = await handler(request, {})
const body = await response.text()
const answered = performance.now()
process.stdout.write('\\nBENCH ' + JSON.stringify({ importMs: imported - started, handleMs: answered - imported, status: response.status, body }) + '\\n')
process.exit(0)
`

interface Delivered {
  processMs: number
  importMs: number
  handleMs: number
  status: number
  body: string
}

export interface ColdDeliveryResult {
  figures: Figure[]
  notes: string[]
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
    const run = await runNode([runner, pathToFileURL(bundle.file).href], {
      env: childEnv({ ...env, ...extraEnv, BENCH_BODY: delivery.body, BENCH_SIGNATURE: delivery.signature }),
      timeoutMs: 30_000,
    })
    const line = run.stdout.split('\n').findLast((text) => text.startsWith('BENCH '))
    if (!line) throw new BenchError(`the delivery runner printed no answer:\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`)
    const answer = JSON.parse(line.slice('BENCH '.length)) as Omit<Delivered, 'processMs'>
    return { ...answer, processMs: run.wallMs }
  }

  const roundTrips: Array<Record<string, number>> = []
  const storeBusyMs: number[] = []
  try {
    const runs = await alternate(
      {
        bridge: async () => {
          blobs.reset()
          const delivered = await deliver(bundles.bridge, {})
          roundTrips.push(blobs.counts())
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

    const of = (samples: Delivered[], key: 'processMs' | 'importMs' | 'handleMs') => summarise(samples.map((sample) => sample[key]))
    const baseline = (key: 'processMs' | 'importMs' | 'handleMs') => ({ name: 'stripe-samples', summary: of(runs.stripeSamples, key) })
    const later = roundTrips.slice(1)
    return {
      figures: [
        figure('first delivery, cold: process start → answer', 'ms', of(runs.bridge, 'processMs'), baseline('processMs')),
        figure('first delivery, cold: import, in-process', 'ms', of(runs.bridge, 'importMs'), baseline('importMs')),
        figure('first delivery, cold: handling after import', 'ms', of(runs.bridge, 'handleMs'), baseline('handleMs')),
        figure('first delivery, cold: store round trips', 'requests', summarise(roundTrips.map(totalCount)), { name: 'stripe-samples', summary: summarise([0]) }),
        figure('first delivery, cold: of the handling, Blobs server answering', 'ms', summarise(storeBusyMs)),
      ],
      notes: [
        `store round trips for one first delivery, by kind: on a fresh store (the site's first ever) ${describeCounts(roundTrips[0]!)}` +
          (later.length ? `; on later cold starts ${[...new Set(later.map(describeCounts))].join(' / ')}` : ''),
        "the Blobs stand-in is Netlify's local BlobsServer, which sends no ETag on reads: each read of an existing record costs the bridge " +
          'a LIST and a second GET that the hosted service (ETags on reads) would not, so hosted Blobs would see ' +
          `${describeRange(roundTrips.map((counts) => totalCount(counts) - 2 * (counts.LIST ?? 0)))} round trips; the local server also holds each PUT 2 ms ` +
          '(see test/stores/local-blobs-server.ts)',
      ],
    }
  } finally {
    await identity.close()
    await blobs.stop()
  }
}

function describeRange(values: number[]): string {
  const { min, max } = summarise(values)
  return min === max ? String(min) : `${min}–${max}`
}

/**
 * npm run bench — the bridge measured against baselines built in the same
 * run: import cold start, first delivery cold, the warm duplicate path, and
 * bulk invites. It reports and never judges: slow numbers do not fail it,
 * only something broken does (a build that fails, a wrong answer, a timeout).
 *
 *   npm run bench                        full run (a few minutes)
 *   npm run bench -- --quick             few iterations (CI runs this so it cannot rot)
 *   npm run bench -- --json out.json     also write the figures as JSON
 *   npm run bench -- --only import,cold  some measurements only (import, cold, warm, bulk)
 *   npm run bench -- --addresses 2000    bulk size (default 10,000; 300 with --quick)
 */
import { parseArgs } from 'node:util'
import { writeBaselines } from './baselines.ts'
import { bundleLikeNetlify, FUNCTION_ENTRY } from './build.ts'
import { measureBulk } from './bulk.ts'
import { measureColdDelivery } from './cold-delivery.ts'
import { measureImport } from './import.ts'
import { buildReport, renderReport, writeJson, type Figure } from './report.ts'
import { cleanup, progress, projectTempFolder, tempFolder } from './run.ts'
import { measureWarmDuplicates } from './warm.ts'

const MEASUREMENTS = ['import', 'cold', 'warm', 'bulk'] as const
type Measurement = (typeof MEASUREMENTS)[number]

/*
 * Limits are a backstop for a hang, not a performance target. Full mode's is
 * wide because bulk invites dominate it: 10,000 addresses took 1 to 3
 * minutes per identity server when this was written, depending on the disk
 * (SQLite fsyncs every write). More --addresses than the plan's widen it.
 */
const PLANS = {
  quick: { importIterations: 3, coldIterations: 3, warm: { rounds: 2, requestsPerRound: 300, warmupRequests: 300, concurrencies: [1, 10] }, addresses: 300, limitSeconds: 180 },
  full: { importIterations: 20, coldIterations: 15, warm: { rounds: 5, requestsPerRound: 3000, warmupRequests: 10_000, concurrencies: [1, 10] }, addresses: 10_000, limitSeconds: 1800 },
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    only: { type: 'string' },
    addresses: { type: 'string' },
  },
})
const mode = values.quick ? 'quick' : 'full'
const plan = PLANS[mode]
const only = new Set((values.only ?? MEASUREMENTS.join(',')).split(',').map((name) => name.trim()))
const unknown = [...only].filter((name) => !MEASUREMENTS.includes(name as Measurement))
if (unknown.length) {
  console.error(`bench: --only takes ${MEASUREMENTS.join(', ')}; unknown: ${unknown.join(', ')}`)
  process.exit(2)
}
const addresses = values.addresses === undefined ? plan.addresses : Number(values.addresses)
if (!Number.isInteger(addresses) || addresses < 1) {
  console.error('bench: --addresses takes a positive whole number')
  process.exit(2)
}

// A hung server or client must not hold CI: past the limit, stop everything and fail.
const limitSeconds = plan.limitSeconds + Math.max(0, addresses - plan.addresses) * 0.1
const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${limitSeconds} s; stopping`)
  void cleanup().finally(() => process.exit(1))
}, limitSeconds * 1000)
watchdog.unref()
let interrupted = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true
    console.error(`bench: ${signal}, stopping`)
    void cleanup().finally(() => process.exit(130))
  })
}

async function run(): Promise<void> {
  const startedAt = new Date()
  const figures: Figure[] = []
  const notes: string[] = []
  const folder = await projectTempFolder('bundles')

  progress('bundling the function and the baselines with esbuild, as Netlify does')
  const sources = await writeBaselines(await tempFolder('sources'))
  const bundles = {
    bridge: await bundleLikeNetlify(FUNCTION_ENTRY, folder, 'invite-bridge'),
    honoOnly: await bundleLikeNetlify(sources.honoOnly, folder, 'hono-only'),
    stripeSamples: await bundleLikeNetlify(sources.stripeSamples, folder, 'stripe-samples'),
  }

  if (only.has('import')) {
    const imported = await measureImport(bundles, plan.importIterations)
    figures.push(...imported.figures)
    notes.push(...imported.notes)
  }
  if (only.has('cold')) {
    const cold = await measureColdDelivery(bundles, folder, plan.coldIterations)
    figures.push(...cold.figures)
    notes.push(...cold.notes)
  }
  if (only.has('warm')) {
    const warm = await measureWarmDuplicates(sources.rawHttpServer, plan.warm)
    figures.push(...warm.figures)
    notes.push(...warm.notes)
  }
  if (only.has('bulk')) {
    const bulk = await measureBulk(addresses)
    figures.push(...bulk.figures)
    notes.push(...bulk.notes)
  }

  const report = buildReport(mode, startedAt, figures, notes)
  process.stdout.write(`${renderReport(report)}\n`)
  if (values.json) {
    await writeJson(values.json, report)
    progress(`wrote ${values.json}`)
  }
}

let exitCode = 0
try {
  await run()
} catch (error) {
  exitCode = interrupted ? 130 : 1
  // Stopping the servers under a running measurement makes it fail; that is the interruption, not news.
  if (!interrupted) console.error(`bench: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
} finally {
  await cleanup()
}
process.exit(exitCode)

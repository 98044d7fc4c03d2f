import { randomBytes } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import type { Bundle } from './build.ts'
import { figure, type Figure } from './report.ts'
import { childEnv, progress, runNode } from './run.ts'
import { alternate, summarise } from './stats.ts'

export interface ImportBundles {
  bridge: Bundle
  honoOnly: Bundle
  stripeSamples: Bundle
}

// Prints how long the dynamic import took inside the process; the parent times the whole process.
const IMPORT_PROBE = 'const t = performance.now(); await import(process.argv[1]); console.log(performance.now() - t)'

interface Sample {
  importMs: number
  processMs: number
}

async function importOnce(bundle: Bundle, env: Record<string, string> = {}): Promise<Sample> {
  const run = await runNode(['--input-type=module', '-e', IMPORT_PROBE, pathToFileURL(bundle.file).href], { env: childEnv(env), timeoutMs: 20_000 })
  const importMs = Number(run.stdout.trim())
  if (!Number.isFinite(importMs)) throw new Error(`import probe printed ${JSON.stringify(run.stdout)}`)
  return { importMs, processMs: run.wallMs }
}

async function bareNode(): Promise<Sample> {
  const run = await runNode(['-e', '0'], { env: childEnv({}), timeoutMs: 20_000 })
  return { importMs: 0, processMs: run.wallMs }
}

/** 1. Bundle weight, and how long a fresh node process takes to import each bundle. */
export async function measureImport(bundles: ImportBundles, iterations: number): Promise<{ figures: Figure[]; notes: string[] }> {
  const runs = await alternate(
    {
      bridge: () => importOnce(bundles.bridge),
      honoOnly: () => importOnce(bundles.honoOnly),
      // It builds its Stripe client at import, as the samples do, and that refuses to start without a key.
      stripeSamples: () => importOnce(bundles.stripeSamples, { STRIPE_SECRET_KEY: `sk_test_${randomBytes(12).toString('hex')}` }),
      bare: bareNode,
    },
    iterations,
    (done) => progress(`import cold start ${done}/${iterations}`),
  )
  const of = (samples: Sample[], key: keyof Sample) => summarise(samples.map((sample) => sample[key]))
  const one = (n: number) => summarise([n])
  const honoOnly = 'Hono-only'
  const stripeSamples = 'stripe-samples'

  const figures = [
    figure('bundle size, raw', 'KB', one(bundles.bridge.rawBytes / 1024), { name: honoOnly, summary: one(bundles.honoOnly.rawBytes / 1024) }),
    figure('bundle size, raw', 'KB', one(bundles.bridge.rawBytes / 1024), { name: stripeSamples, summary: one(bundles.stripeSamples.rawBytes / 1024) }),
    figure('bundle size, gzip', 'KB', one(bundles.bridge.gzipBytes / 1024), { name: honoOnly, summary: one(bundles.honoOnly.gzipBytes / 1024) }),
    figure('bundle size, gzip', 'KB', one(bundles.bridge.gzipBytes / 1024), { name: stripeSamples, summary: one(bundles.stripeSamples.gzipBytes / 1024) }),
    figure('import, in-process', 'ms', of(runs.bridge, 'importMs'), { name: honoOnly, summary: of(runs.honoOnly, 'importMs') }),
    figure('import, in-process', 'ms', of(runs.bridge, 'importMs'), { name: stripeSamples, summary: of(runs.stripeSamples, 'importMs') }),
    figure('node process: start, import, exit', 'ms', of(runs.bridge, 'processMs'), { name: honoOnly, summary: of(runs.honoOnly, 'processMs') }),
    figure('node process: start, import, exit', 'ms', of(runs.bridge, 'processMs'), { name: stripeSamples, summary: of(runs.stripeSamples, 'processMs') }),
    figure('node process: start, import, exit', 'ms', of(runs.bridge, 'processMs'), { name: '`node -e 0`', summary: of(runs.bare, 'processMs') }),
  ]
  const largest = bundles.bridge.byPackage.slice(0, 6).map(({ name, bytes }) => `${name} ${(bytes / 1024).toFixed(0)}`)
  return { figures, notes: [`invite-bridge bundle by package, raw KB: ${largest.join(', ')}`] }
}

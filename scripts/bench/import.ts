import { randomBytes } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { netlifyBootstrapUrl, type Bundle } from './build.ts'
import { figure, type Figure } from './report.ts'
import { childEnv, progress, runNode } from './run.ts'
import { alternate, summarise } from './stats.ts'

export interface ImportBundles {
  bridge: Bundle
  honoOnly: Bundle
  stripeSamples: Bundle
}

// As Netlify's entry file does: the bootstrap first, then the function. Prints how long the function's own import took.
const IMPORT_PROBE = 'await import(process.argv[2]); const t = performance.now(); await import(process.argv[1]); console.log(performance.now() - t)'

interface Sample {
  importMs: number
  processMs: number
}

async function importOnce(bundle: Bundle, env: Record<string, string> = {}): Promise<Sample> {
  const run = await runNode(['--input-type=module', '-e', IMPORT_PROBE, pathToFileURL(bundle.file).href, netlifyBootstrapUrl()], { env: childEnv(env), timeoutMs: 20_000 })
  const importMs = Number(run.stdout.trim())
  if (!Number.isFinite(importMs)) throw new Error(`import probe printed ${JSON.stringify(run.stdout)}`)
  return { importMs, processMs: run.wallMs }
}

async function bootstrapOnly(): Promise<Sample> {
  const run = await runNode(['--input-type=module', '-e', 'await import(process.argv[1])', netlifyBootstrapUrl()], { env: childEnv({}), timeoutMs: 20_000 })
  return { importMs: 0, processMs: run.wallMs }
}

/** 1. What the function's import reads, and how long a fresh node process with Netlify's bootstrap takes to import each. */
export async function measureImport(bundles: ImportBundles, iterations: number): Promise<{ figures: Figure[]; notes: string[] }> {
  const runs = await alternate(
    {
      bridge: () => importOnce(bundles.bridge),
      honoOnly: () => importOnce(bundles.honoOnly),
      // It builds its Stripe client at import, as the samples do, and that refuses to start without a key.
      stripeSamples: () => importOnce(bundles.stripeSamples, { STRIPE_SECRET_KEY: `sk_test_${randomBytes(12).toString('hex')}` }),
      bootstrap: bootstrapOnly,
    },
    iterations,
    (done) => progress(`import cold start ${done}/${iterations}`),
  )
  const of = (samples: Sample[], key: keyof Sample) => summarise(samples.map((sample) => sample[key]))
  const one = (n: number) => summarise([n])
  const honoOnly = 'Hono-only'
  const stripeSamples = 'stripe-samples'
  const { bridge } = bundles

  const figures = [
    figure('bundle (.mjs), raw', 'KB', one(bridge.rawBytes / 1024), { name: honoOnly, summary: one(bundles.honoOnly.rawBytes / 1024) }),
    figure('bundle (.mjs), gzip', 'KB', one(bridge.gzipBytes / 1024), { name: honoOnly, summary: one(bundles.honoOnly.gzipBytes / 1024) }),
    figure('code the import loads, raw', 'KB', one(bridge.loaded.rawBytes / 1024), { name: honoOnly, summary: one(bundles.honoOnly.loaded.rawBytes / 1024) }),
    figure('code the import loads, raw', 'KB', one(bridge.loaded.rawBytes / 1024), { name: stripeSamples, summary: one(bundles.stripeSamples.loaded.rawBytes / 1024) }),
    figure('import after the bootstrap, in-process', 'ms', of(runs.bridge, 'importMs'), { name: honoOnly, summary: of(runs.honoOnly, 'importMs') }),
    figure('import after the bootstrap, in-process', 'ms', of(runs.bridge, 'importMs'), { name: stripeSamples, summary: of(runs.stripeSamples, 'importMs') }),
    figure('node process: start, bootstrap, import, exit', 'ms', of(runs.bridge, 'processMs'), { name: honoOnly, summary: of(runs.honoOnly, 'processMs') }),
    figure('node process: start, bootstrap, import, exit', 'ms', of(runs.bridge, 'processMs'), { name: stripeSamples, summary: of(runs.stripeSamples, 'processMs') }),
    figure('node process: start, bootstrap, import, exit', 'ms', of(runs.bridge, 'processMs'), { name: 'bootstrap alone', summary: of(runs.bootstrap, 'processMs') }),
  ]
  const weigh = (bundle: Bundle) => `${bundle.loaded.files} files: ${bundle.loaded.byPackage.map(({ name, bytes }) => `${name} ${(bytes / 1024).toFixed(0)}`).join(', ')}`
  return {
    figures,
    notes: [
      `what the import loads, raw KB — invite-bridge ${weigh(bridge)}; Hono-only ${weigh(bundles.honoOnly)}; stripe-samples ${weigh(bundles.stripeSamples)}`,
      "built as Netlify builds a function with a default export and a config (zip-it-and-ship-it's v2 path): local sources bundled into one .mjs, packages left in node_modules; each process imports Netlify's function bootstrap first, as the runtime does",
    ],
  }
}

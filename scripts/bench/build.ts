import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { BenchError, childEnv, ROOT, runNode } from './run.ts'

export interface Bundle {
  /** Absolute path of the function's .mjs file, as Netlify writes it. */
  file: string
  /** The .mjs file itself: our sources, bundled. */
  rawBytes: number
  gzipBytes: number
  /** Everything the import reads: the .mjs file and the package files it loads. */
  loaded: { files: number; rawBytes: number; byPackage: Array<{ name: string; bytes: number }> }
}

/** The function as Netlify deploys it. */
export const FUNCTION_ENTRY = join(ROOT, 'netlify', 'functions', 'invite-bridge.ts')

/*
 * What Netlify's build does with a function that has a default export and a
 * `config` (its "v2" API), read in @netlify/zip-it-and-ship-it 16
 * (bundlers/index.js getBundlerName: v2 always uses "nft", whatever
 * node_bundler says; bundlers/nft/transformer.js): the entry file and the
 * local files it imports are bundled by esbuild into one .mjs with
 * `packages: 'external'` and this banner; packages stay files in
 * node_modules, traced and shipped beside it, and Node loads them one by one
 * at import. The bundle is written inside the project so that those imports
 * resolve to the project's node_modules, as they resolve in the deployed zip.
 */
const NETLIFY_ESM_BANNER = `
    import {createRequire as ___nfyCreateRequire} from "module";
    import {fileURLToPath as ___nfyFileURLToPath} from "url";
    import {dirname as ___nfyPathDirname} from "path";
    let __filename=___nfyFileURLToPath(import.meta.url);
    let __dirname=___nfyPathDirname(___nfyFileURLToPath(import.meta.url));
    let require=___nfyCreateRequire(import.meta.url);
  `

/**
 * Netlify's function bootstrap (___netlify-bootstrap.mjs in the deployed zip,
 * from @netlify/serverless-functions-api): the runtime imports it before the
 * function, so the Node built-ins it loads (crypto, streams, net, fs…) are
 * already there when the function's import starts.
 */
export function netlifyBootstrapUrl(): string {
  return pathToFileURL(join(ROOT, 'node_modules', '@netlify', 'serverless-functions-api', 'dist', 'index.js')).href
}

/** Bundles `entry` into `outDir/<name>.mjs` the way Netlify would, and weighs what its import loads. */
export async function bundleLikeNetlify(entry: string, outDir: string, name: string): Promise<Bundle> {
  const file = join(outDir, `${name}.mjs`)
  await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: ['node22'],
    banner: { js: NETLIFY_ESM_BANNER },
    logLevel: 'error',
  })
  const bytes = await readFile(file)
  return { file, rawBytes: bytes.length, gzipBytes: gzipSync(bytes).length, loaded: await weighImport(file) }
}

// Lists every file the import loads, after the bootstrap, through a module hook.
const WEIGH_PROBE = `import { registerHooks } from 'node:module'
await import(process.argv[2])
const urls = []
registerHooks({ load(url, context, next) { if (url.startsWith('file:')) urls.push(url); return next(url, context) } })
await import(process.argv[1])
console.log(JSON.stringify(urls))`

async function weighImport(file: string): Promise<Bundle['loaded']> {
  const run = await runNode(['--input-type=module', '-e', WEIGH_PROBE, pathToFileURL(file).href, netlifyBootstrapUrl()], { env: childEnv({ STRIPE_SECRET_KEY: 'sk_test_weighing' }), timeoutMs: 20_000 })
  let urls: string[]
  try {
    urls = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as string[]
  } catch {
    throw new BenchError(`importing ${file} failed:\n${run.stderr.slice(-2000)}`)
  }
  const byPackage = new Map<string, number>()
  let rawBytes = 0
  for (const url of urls) {
    const { size } = await stat(fileURLToPath(url))
    rawBytes += size
    const name = url === pathToFileURL(file).href ? '(bundle)' : packageOf(fileURLToPath(url))
    byPackage.set(name, (byPackage.get(name) ?? 0) + size)
  }
  return { files: urls.length, rawBytes, byPackage: [...byPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes) }
}

/** "…/node_modules/@netlify/blobs/dist/main.js" → "@netlify/blobs". */
function packageOf(path: string): string {
  const at = path.lastIndexOf('node_modules/')
  if (at < 0) return path
  const [first, second] = path.slice(at + 'node_modules/'.length).split('/')
  return first?.startsWith('@') ? `${first}/${second}` : (first ?? path)
}

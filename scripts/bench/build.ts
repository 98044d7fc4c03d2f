import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { ROOT } from './run.ts'

export interface Bundle {
  /** Absolute path of the bundled .mjs file. */
  file: string
  rawBytes: number
  gzipBytes: number
  /** Bytes in the bundle by npm package ("(project)" for our own sources), largest first. */
  byPackage: Array<{ name: string; bytes: number }>
}

/** The function as Netlify deploys it. */
export const FUNCTION_ENTRY = join(ROOT, 'netlify', 'functions', 'invite-bridge.ts')

/*
 * What Netlify's esbuild bundler (zip-it-and-ship-it,
 * src/runtimes/node/bundlers/esbuild/bundler.ts) does for an ESM function:
 * everything bundled, platform node, the Node version's target, and a banner
 * that gives ESM code a working require/__dirname for CommonJS dependencies
 * that reach for Node built-ins. No minification, no source map.
 */
const NETLIFY_ESM_BANNER = `
    import {createRequire as ___nfyCreateRequire} from "module";
    import {fileURLToPath as ___nfyFileURLToPath} from "url";
    import {dirname as ___nfyPathDirname} from "path";
    let __filename=___nfyFileURLToPath(import.meta.url);
    let __dirname=___nfyPathDirname(___nfyFileURLToPath(import.meta.url));
    let require=___nfyCreateRequire(import.meta.url);
  `

/** Bundles `entry` into `outDir/<name>.mjs` the way Netlify would, and weighs it. */
export async function bundleLikeNetlify(entry: string, outDir: string, name: string): Promise<Bundle> {
  const file = join(outDir, `${name}.mjs`)
  const { metafile } = await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: ['node22'],
    banner: { js: NETLIFY_ESM_BANNER },
    resolveExtensions: ['.js', '.jsx', '.mjs', '.cjs', '.ts', '.tsx', '.mts', '.cts', '.json'],
    // Baseline sources live in a temp folder: they find hono and stripe in the project's node_modules.
    nodePaths: [join(ROOT, 'node_modules')],
    logLevel: 'error',
    metafile: true,
  })
  const bytes = await readFile(file)
  const inputs = Object.values(metafile.outputs).flatMap((output) => Object.entries(output.inputs))
  const byPackage = new Map<string, number>()
  for (const [path, { bytesInOutput }] of inputs) byPackage.set(packageOf(path), (byPackage.get(packageOf(path)) ?? 0) + bytesInOutput)
  return {
    file,
    rawBytes: bytes.length,
    gzipBytes: gzipSync(bytes).length,
    byPackage: [...byPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
  }
}

/** "node_modules/@netlify/blobs/dist/main.js" → "@netlify/blobs"; anything outside node_modules is ours. */
function packageOf(path: string): string {
  const at = path.lastIndexOf('node_modules/')
  if (at < 0) return '(project)'
  const [first, second] = path.slice(at + 'node_modules/'.length).split('/')
  return first?.startsWith('@') ? `${first}/${second}` : (first ?? path)
}

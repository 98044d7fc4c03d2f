/**
 * npm run build (and `npm pack`, through prepack): the package's JavaScript
 * and type declarations in dist/, for installs where Node will not strip
 * types (it refuses to under node_modules).
 *
 * tsc does the compiling: rewriteRelativeImportExtensions turns the sources'
 * `./x.ts` specifiers into `./x.js`, so the sources stay runnable as they are.
 * This script adds what tsc leaves out: a clean dist/, the files the code
 * reads next to itself at run time (the senders' samples/*.json that `send`
 * builds from). bin/invite-bridge.js runs dist/bin/invite-bridge.js once installed.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const DIST = join(ROOT, 'dist')

const started = Date.now()
rmSync(DIST, { recursive: true, force: true })

const typescript = dirname(createRequire(import.meta.url).resolve('typescript/package.json'))
const tsc = spawnSync(process.execPath, [join(typescript, 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' })
if (tsc.status !== 0) process.exit(tsc.status ?? 1)

// Everything under src/ that is not TypeScript is read at run time relative to its module.
cpSync(join(ROOT, 'src'), join(DIST, 'src'), { recursive: true, filter: (source) => !source.endsWith('.ts') })

console.log(`build: dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`)

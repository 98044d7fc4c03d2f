/**
 * Netlify's own local functions runtime for the end-to-end scripts:
 * netlify-cli installed on demand, and `netlify functions:serve --offline`
 * started on loopback, awaited and stopped.
 *
 * netlify-cli is big (~1 minute to install), so it is not a dependency: it is
 * installed on demand into a cache folder outside node_modules and reused.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { freePort, nodeEnv, npmCommand, run, seconds, type Suite } from './suite.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const CLI_MAJOR = 27
const READY_TIMEOUT_MS = 120_000
const REQUEST_TIMEOUT_MS = 30_000

// ---------------------------------------------------------------- netlify-cli

function cacheDir(): string {
  const override = process.env.INVITE_BRIDGE_NETLIFY_CLI_DIR?.trim()
  if (override) return resolve(override)
  const base = process.env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache')
  return join(base, 'invite-bridge', 'netlify-cli')
}

/** The CLI's entry script, installing netlify-cli@27 into the cache folder first when it is not there. */
export async function ensureNetlifyCli(say: Suite['say']): Promise<string> {
  const dir = cacheDir()
  const entry = join(dir, 'node_modules', 'netlify-cli', 'bin', 'run.js')
  // Written only after npm succeeded: an interrupted install is never reused.
  const marker = join(dir, '.installed')
  const installedMajor = (): number | null => {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'node_modules', 'netlify-cli', 'package.json'), 'utf8')) as { version: string }
      return Number(pkg.version.split('.')[0])
    } catch {
      return null
    }
  }
  if (existsSync(marker) && existsSync(entry) && installedMajor() === CLI_MAJOR) {
    say(`using cached netlify-cli ${readFileSync(marker, 'utf8').trim()} from ${dir}`)
    return entry
  }

  say(`netlify-cli@${CLI_MAJOR} not cached; installing it into ${dir} (not into node_modules; about a minute)`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  // A package.json of its own, so npm never walks up into a project.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'invite-bridge-netlify-cli-cache', private: true }, null, 2))
  const installStarted = Date.now()
  const { code } = await run(npmCommand(), ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', `netlify-cli@${CLI_MAJOR}`], { cwd: dir })
  if (code !== 0 || !existsSync(entry)) throw new Error(`npm install netlify-cli@${CLI_MAJOR} failed (exit ${code})`)
  const version = (JSON.parse(readFileSync(join(dir, 'node_modules', 'netlify-cli', 'package.json'), 'utf8')) as { version: string }).version
  writeFileSync(marker, `${version}\n`)
  say(`installed netlify-cli ${version} in ${seconds(Date.now() - installStarted)}`)
  return entry
}


// ------------------------------------------------------------ functions:serve

export interface ServeOptions {
  /** netlify-cli's entry script (ensureNetlifyCli). */
  entry: string
  /** The site: where netlify.toml and netlify/functions are. */
  cwd: string
  env: Record<string, string>
}

/**
 * `netlify functions:serve --offline` on a free loopback port, resolved once
 * GET /health answers 200. It is stopped when the suite ends, and its log is
 * printed if the suite fails.
 */
export async function serveFunctions(suite: Suite, options: ServeOptions): Promise<{ base: string }> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const args = ['functions:serve', '--offline', '--port', String(port), '--functions', 'netlify/functions']
  suite.say(`starting: netlify ${args.join(' ')} in ${options.cwd} (servers pinned to 127.0.0.1 by scripts/loopback-only.ts)`)
  const loopbackOnly = pathToFileURL(join(ROOT, 'scripts', 'loopback-only.ts')).href
  const nodeFlags = ['--experimental-strip-types', '--disable-warning=ExperimentalWarning', '--import', loopbackOnly]
  const started = Date.now()
  const netlify = spawn(process.execPath, [...nodeFlags, options.entry, ...args], {
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: nodeEnv({
      ...process.env,
      ...options.env,
      // netlify-cli checks CI (ci-info) to skip telemetry and never prompt; --offline
      // skips the site lookup, the AI gateway and the geolocation API. No site ID
      // is needed: unlinked, Blobs uses the site "unlinked" in .netlify/blobs-serve.
      CI: 'true',
      // Plain output in the log shown on failure.
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    }),
  })
  let output = ''
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8')
    if (process.env.TEST_NETLIFY_VERBOSE) process.stdout.write(chunk)
  }
  netlify.stdout!.on('data', collect)
  netlify.stderr!.on('data', collect)
  // A last resort if the process exits by any other path.
  process.once('exit', () => killGroup(netlify, 'SIGKILL', true))
  suite.defer(() => stopNetlify(netlify))
  if (!process.env.TEST_NETLIFY_VERBOSE) {
    suite.onFailure(() => `--- netlify functions:serve output (last 4000 chars) ---\n${output.slice(-4000)}\n--- end ---\n`)
  }

  await waitForHealth(netlify, base)
  suite.say(`functions:serve answered GET /health after ${seconds(Date.now() - started)}`)
  return { base }
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null

/** Signals the CLI's whole process group; `evenIfLeaderExited` sweeps workers left behind by a leader that is gone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals, evenIfLeaderExited = false): void {
  if (!child.pid || (!evenIfLeaderExited && exited(child))) return
  try {
    // Detached, so the CLI leads its own process group: this reaches its workers too.
    process.kill(-child.pid, signal)
  } catch {
    /* already gone */
  }
}

async function stopNetlify(child: ChildProcess): Promise<void> {
  if (!exited(child)) {
    const gone = new Promise<void>((done) => child.once('exit', () => done()))
    killGroup(child, 'SIGTERM')
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000)
    await Promise.race([gone, new Promise((done) => setTimeout(done, 8_000))])
    clearTimeout(timer)
  }
  // Stray workers may outlive their leader: sweep the group once more.
  killGroup(child, 'SIGKILL', true)
}

async function waitForHealth(child: ChildProcess, base: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let last = 'no answer yet'
  while (Date.now() < deadline) {
    if (exited(child)) throw new Error(`netlify functions:serve exited early (${child.exitCode ?? child.signalCode})`)
    try {
      const response = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5_000) })
      const text = await response.text()
      if (response.status === 200) return
      last = `${response.status} ${text.slice(0, 200)}`
    } catch (error) {
      last = error instanceof Error ? error.message : String(error)
    }
    await new Promise((done) => setTimeout(done, 500))
  }
  throw new Error(`GET ${base}/health did not answer 200 within ${seconds(READY_TIMEOUT_MS)} (last: ${last})`)
}

// ------------------------------------------------------------------ requests

export interface Answer {
  status: number
  body: { outcome?: string; error?: { code?: string } } & Record<string, unknown>
  text: string
}

export async function deliver(base: string, path: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  const text = await response.text()
  let body: Answer['body'] = {}
  try {
    body = JSON.parse(text) as Answer['body']
  } catch {
    /* not JSON: the check reports the text */
  }
  return { status: response.status, body, text }
}

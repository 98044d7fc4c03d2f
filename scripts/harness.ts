/**
 * What the scripts that drive Netlify's own local runtime share
 * (scripts/test-netlify.ts: this repository's function; scripts/test-package.ts:
 * the packed package inside a made-up site): a suite that counts checks and
 * always cleans up, netlify-cli installed on demand into a cache folder, and
 * `netlify functions:serve --offline` started, awaited and stopped.
 *
 * netlify-cli is big (~1 minute to install), so it is not a dependency: it is
 * installed on demand into a cache folder outside node_modules and reused.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const CLI_MAJOR = 27
const READY_TIMEOUT_MS = 120_000
const REQUEST_TIMEOUT_MS = 30_000

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

// ---------------------------------------------------------------------- suite

export interface Suite {
  say(line: string): void
  check(name: string, ok: boolean, detail: string): void
  /** Run at the end, last registered first, whether the suite passed, failed or was interrupted. */
  defer(cleanup: () => Promise<void> | void): void
  /** Printed only when the suite failed (a server's log). */
  onFailure(report: () => string): void
}

/** Runs `body` as one suite named `name`, then prints "N passed, M failed" (what .ci/run adds up) and exits. */
export async function runSuite(name: string, body: (suite: Suite) => Promise<void>): Promise<never> {
  const started = Date.now()
  const cleanups: Array<() => Promise<void> | void> = []
  const reports: Array<() => string> = []
  let passed = 0
  let failed = 0
  const say = (line: string) => void process.stdout.write(`${name}: ${line}\n`)
  const suite: Suite = {
    say,
    check(checkName, ok, detail) {
      if (ok) passed++
      else failed++
      say(`${ok ? 'PASS' : 'FAIL'} ${checkName}${detail ? ` — ${detail}` : ''}`)
    },
    defer: (cleanup) => void cleanups.push(cleanup),
    onFailure: (report) => void reports.push(report),
  }
  let cleaning: Promise<void> | undefined
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const step of cleanups.reverse()) await Promise.resolve(step()).catch(() => {})
    })())
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      say(`${signal}: cleaning up`)
      void cleanup().finally(() => process.exit(130))
    })
  }

  try {
    await body(suite)
  } catch (error) {
    failed++
    say(`FAIL ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    const stopping = Date.now()
    await cleanup()
    say(`cleaned up in ${seconds(Date.now() - stopping)}`)
  }
  if (failed > 0) for (const report of reports) process.stdout.write(report())
  say(`done in ${seconds(Date.now() - started)}`)
  process.stdout.write(`${passed} passed, ${failed} failed\n`)
  process.exit(failed === 0 ? 0 : 1)
}

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

export function npmCommand(name: 'npm' | 'npx' = 'npm'): string {
  // The npm next to the running node, so the install uses the same Node.
  const beside = join(dirname(process.execPath), name)
  return existsSync(beside) ? beside : name
}

export interface RunOptions {
  cwd: string
  env?: NodeJS.ProcessEnv
  /** Keep stdout and stderr (returned) instead of passing them through. */
  capture?: boolean
  /** Run `command` as a shell command line (args must then be empty). */
  shell?: boolean
}

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      stdio: ['ignore', options.capture ? 'pipe' : 'inherit', options.capture ? 'pipe' : 'inherit'],
      env: nodeEnv(options.env ?? process.env),
      shell: options.shell ?? false,
    })
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.once('error', reject)
    child.once('close', (code, signal) => resolveRun({ code: code ?? (signal ? 1 : 0), stdout, stderr }))
  })
}

/** The environment with this Node's directory first on PATH, so every child runs this same Node. */
export function nodeEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PATH: [dirname(process.execPath), env.PATH ?? ''].join(':') }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))))
    })
  })
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

import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../suite.ts'

/** The repository root: every script and source the bench runs is found from here. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** What `npm start` and the CLI need to run TypeScript sources directly. */
export const STRIP_TYPES = ['--experimental-strip-types', '--disable-warning=ExperimentalWarning']

/** Something went wrong that is not a slow number: the bench stops and exits 1. */
export class BenchError extends Error {
  override name = 'BenchError'
}

const children = new Set<ChildProcess>()
const folders = new Set<string>()

/** A temporary folder removed by cleanup(), even when the bench fails half-way. */
export async function tempFolder(label: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), `invite-bridge-bench-${label}-`))
  folders.add(folder)
  return folder
}

/**
 * A temporary folder inside the project (under node_modules/.cache), for
 * bundles whose package imports must resolve to the project's node_modules.
 */
export async function projectTempFolder(label: string): Promise<string> {
  const parent = join(ROOT, 'node_modules', '.cache')
  await mkdir(parent, { recursive: true })
  const folder = await mkdtemp(join(parent, `invite-bridge-bench-${label}-`))
  folders.add(folder)
  return folder
}

/** Kills every child the bench started (by its own pid) and removes its temporary folders. */
export async function cleanup(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child)))
  await Promise.all([...folders].map((folder) => rm(folder, { recursive: true, force: true })))
  folders.clear()
}

/**
 * A child's environment built from scratch rather than copied, so a setting
 * left in the shell (BRIDGE_HASH_KEY, STRIPE_SECRET_KEY, NODE_OPTIONS…) cannot
 * change what is measured. The bench's own Node comes first on PATH.
 */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const path = [dirname(process.execPath), process.env.PATH ?? ''].join(':')
  return { PATH: path, HOME: process.env.HOME ?? tmpdir(), TMPDIR: tmpdir(), ...extra }
}

export interface Finished {
  /** From spawn() until the process exited, in ms. */
  wallMs: number
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `node args` to completion, bounded by timeoutMs; a timeout or a non-zero exit is a BenchError. */
export function runNode(args: string[], options: { env: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string }): Promise<Finished> {
  return new Promise((resolveRun, reject) => {
    const started = performance.now()
    let exitedAt = 0
    const child = spawn(process.execPath, args, { cwd: options.cwd ?? ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
    children.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
    child.once('exit', () => (exitedAt = performance.now()))
    child.once('error', (error) => {
      clearTimeout(timer)
      children.delete(child)
      reject(error)
    })
    // 'close' waits for the pipes to drain; the time taken is the exit's.
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      children.delete(child)
      const finished = { wallMs: exitedAt - started, code, stdout, stderr }
      if (signal) return reject(new BenchError(`node ${args.join(' ')} was killed (${signal}) after ${options.timeoutMs} ms\n${stderr.slice(-2000)}`))
      if (code !== 0) return reject(new BenchError(`node ${args.slice(-3).join(' ')} exited ${code}\n${stderr.slice(-2000)}${stdout.slice(-2000)}`))
      resolveRun(finished)
    })
  })
}

export interface Background {
  url: string
  stop(): Promise<void>
}

/**
 * Starts a long-running node server on a free loopback port and waits for
 * `GET /health` to answer 200. Its output goes to /dev/null, so logging costs
 * the server what it costs in production and nothing here.
 */
export async function startServer(args: string[], env: Record<string, string>, label: string): Promise<Background> {
  const port = await freePort()
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: childEnv({ ...env, PORT: String(port), HOST: '127.0.0.1' }),
    stdio: ['ignore', 'ignore', 'pipe'] satisfies StdioOptions,
  })
  children.add(child)
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new BenchError(`${label} exited before answering /health\n${stderr}`)
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })
      await response.arrayBuffer()
      if (response.status === 200) break
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new BenchError(`${label} did not answer GET /health within 20 s\n${stderr}`)
    await new Promise((done) => setTimeout(done, 50))
  }
  return { url, stop: () => stopChild(child) }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      children.delete(child)
      return done()
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000)
    child.once('exit', () => {
      clearTimeout(timer)
      children.delete(child)
      done()
    })
    child.kill('SIGTERM')
  })
}


/** Progress goes to stderr so stdout holds only the report. */
export function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`)
}

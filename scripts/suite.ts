/**
 * What the scripts that check this repository end to end share
 * (scripts/test-netlify.ts, scripts/test-package.ts): a suite that counts
 * checks, always cleans up and ends with the "N passed, M failed" line
 * .ci/run adds up, and child processes run on this same Node.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createServer } from 'node:net'

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

// ------------------------------------------------------------------ processes

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

/** A port free on loopback right now, for a server that takes its port as an argument. */
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

import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

export interface ChildServer {
  url: string
  process: ChildProcess
  output: () => string
  /** SIGKILL, like a crash: no cleanup runs. */
  kill(): Promise<void>
  stop(): Promise<void>
}

/** Runs `npm start` exactly as a user would, and waits for its "listening on" line. */
export async function startNpmServer(env: Record<string, string | undefined>): Promise<ChildServer> {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so kill reaches node under npm
  })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), 15_000)
    child.stdout!.on('data', () => {
      // The banner ends with the store line: wait for all of it.
      const match = /listening on (http:\/\/\S+)[\s\S]*store: /.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`npm start exited with ${code}:\n${output}`))
    })
  })

  const signal = (name: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      process.kill(-child.pid!, name)
    })
  return { url, process: child, output: () => output, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') }
}

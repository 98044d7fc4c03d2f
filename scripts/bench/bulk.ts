import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { serveIdentitySandbox } from '../../src/sandbox/serve.ts'
import { figure, type Figure } from './report.ts'
import { BenchError, ROOT, STRIP_TYPES, childEnv, progress, runNode, startServer, tempFolder } from './run.ts'
import { serveIdentityStandIn } from './stand-ins.ts'
import { summarise } from './stats.ts'

const CLI = join(ROOT, 'bin', 'invite-bridge.ts')
const SLOW_IDENTITY_MS = 50
/*
 * Invites one POST /invites keeps in flight: `options.concurrency ?? 4` in
 * src/handlers/routes/invites.ts, not a setting. The CLI's side is read from
 * its --help; the slow stand-in reports what really happened beside both.
 */
const ROUTE_CONCURRENCY = 4

interface Identity {
  name: string
  env: Record<string, string>
  /** How long it takes to answer an invite, when it is made to wait. */
  delayMs: number
  /** The project's sandbox, measured against the instant stand-in for its own cost. */
  sandbox?: true
  peakInFlight: () => number
  close(): Promise<void>
}

/**
 * 4. N addresses through `invite-bridge invite --csv` (the CLI's defaults) to
 * an `npm start` server, against three identity servers: the project's
 * sandbox, one that answers at once, and one that answers after 50 ms, whose
 * floor is N × 50 ms ÷ the invites in flight.
 */
export async function measureBulk(addresses: number): Promise<{ figures: Figure[]; notes: string[] }> {
  const cli = await cliDefaults()
  const inFlight = cli.concurrency * ROUTE_CONCURRENCY

  // The instant stand-in first: it is the sandbox's baseline.
  const identities: Array<() => Promise<Identity>> = [
    () => standIn('instant identity stand-in', 0),
    async () => {
      const jwtSecret = randomBytes(32).toString('hex')
      const served = await serveIdentitySandbox({ jwtSecret, siteUrl: 'http://127.0.0.1' })
      return { name: 'identity sandbox', env: { IDENTITY_URL: served.url, IDENTITY_JWT_SECRET: jwtSecret }, delayMs: 0, sandbox: true, peakInFlight: () => 0, close: served.close }
    },
    () => standIn(`identity stand-in answering after ${SLOW_IDENTITY_MS} ms`, SLOW_IDENTITY_MS),
  ]

  const figures: Figure[] = []
  const notes: string[] = []
  let instantSeconds: number | undefined
  for (const open of identities) {
    const identity = await open()
    try {
      progress(`bulk invites: ${addresses} addresses against the ${identity.name}`)
      const seconds = await inviteAll(addresses, identity)
      const label = `bulk ${addresses} invites, ${identity.name}`
      if (identity.delayMs === 0) {
        // The sandbox's own cost: the same run through it and through an identity that does nothing.
        const baseline = identity.sandbox && instantSeconds !== undefined ? { name: 'instant stand-in', summary: summarise([instantSeconds]) } : undefined
        if (!identity.sandbox) instantSeconds = seconds
        figures.push(figure(label, 's', summarise([seconds]), baseline), figure(label, 'addr/s', summarise([addresses / seconds])))
        continue
      }
      const bound = `bound N×${identity.delayMs} ms÷${inFlight}`
      const boundSeconds = (addresses * identity.delayMs) / inFlight / 1000
      figures.push(
        figure(label, 's', summarise([seconds]), { name: bound, summary: summarise([boundSeconds]) }),
        figure(label, 'addr/s', summarise([addresses / seconds]), { name: bound, summary: summarise([addresses / boundSeconds]) }),
      )
      notes.push(
        `bulk bound: ${cli.concurrency} CLI requests in flight (its --help default) × ${ROUTE_CONCURRENCY} invites per request ` +
          `(src/handlers/routes/invites.ts) = ${inFlight} in flight; the ${identity.delayMs} ms stand-in saw at most ${identity.peakInFlight()} at once`,
      )
    } finally {
      await identity.close()
    }
  }
  notes.push(
    `bulk: wall time of the CLI process (about 0.2 s of it is starting node), batches of ${cli.batchSize}; the identity servers run in the bench's ` +
      'own process, the bridge and the CLI in their own',
  )
  return { figures, notes }
}

async function standIn(name: string, delayMs: number): Promise<Identity> {
  const served = await serveIdentityStandIn({ delayMs })
  return {
    name,
    env: { IDENTITY_URL: served.url, IDENTITY_ADMIN_TOKEN: randomBytes(24).toString('hex') },
    delayMs,
    peakInFlight: served.peakInFlight,
    close: served.close,
  }
}

/** Starts a fresh bridge for `identity`, runs the CLI over a CSV of `count` new addresses, and returns its wall time in seconds. */
async function inviteAll(count: number, identity: Identity): Promise<number> {
  const folder = await tempFolder('bulk')
  const apiKey = randomBytes(32).toString('hex')
  const bridge = await startServer(
    [...STRIP_TYPES, join(ROOT, 'src', 'server.ts')],
    {
      NODE_ENV: 'production',
      BRIDGE_DATA_DIR: folder,
      // POST /invites needs a caller; the webhooks are not under test here.
      INVITE_API_KEYS: apiKey,
      INVITE_HOURLY_LIMIT: String(count * 2),
      ...identity.env,
    },
    'npm start (src/server.ts)',
  )
  try {
    const csv = join(folder, 'addresses.csv')
    const run = randomBytes(3).toString('hex')
    await writeFile(csv, ['email', ...Array.from({ length: count }, (_, i) => `bulk.${run}.${i}@example.com`)].join('\n'))
    const finished = await runNode([...STRIP_TYPES, CLI, 'invite', '--csv', csv, '--url', bridge.url], {
      env: childEnv({ INVITE_API_KEY: apiKey }),
      timeoutMs: 120_000 + count * 30,
    })
    const summary = finished.stdout.trim().split('\n').at(-1) ?? ''
    if (summary !== `${count} addresses: ${count} invited`) throw new BenchError(`invite-bridge invite ended with "${summary}", not ${count} invited`)
    return finished.wallMs / 1000
  } finally {
    await bridge.stop()
  }
}

/** The CLI's own defaults, from its help text, so the bound follows them if they change. */
async function cliDefaults(): Promise<{ concurrency: number; batchSize: number }> {
  const help = (await runNode([...STRIP_TYPES, CLI, 'invite', '--help'], { env: childEnv({}), timeoutMs: 20_000 })).stdout
  const option = (name: string) => {
    const match = new RegExp(`--${name} <n>[^(]*\\(default (\\d+)`).exec(help)
    if (!match) throw new BenchError(`cannot find the default of --${name} in invite-bridge invite --help`)
    return Number(match[1])
  }
  return { concurrency: option('concurrency'), batchSize: option('batch-size') }
}

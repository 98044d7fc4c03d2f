/**
 * npm run test:netlify — the real function file under Netlify's own local
 * functions runtime (`netlify functions:serve --offline`), with identity
 * pointed at the GoTrue sandbox on loopback, fed signed Stripe and GitHub
 * deliveries at the function's real paths.
 *
 * It proves what the in-process tests cannot: that Netlify bundles
 * netlify/functions/invite-bridge.ts, routes `config.path` to it, hands it the
 * raw body byte for byte (signatures still verify), and that Netlify Blobs
 * works as the store there.
 *
 * netlify-cli is big (~1 minute to install), so it is not a dependency: it is
 * installed on demand into a cache folder outside node_modules and reused.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { serveIdentitySandbox, type ServedIdentitySandbox } from '../src/sandbox/serve.ts'
import { githubExample, githubInvitationByEmail, stripeEvent } from '../test/helpers/fixtures.ts'
import { githubRequest, githubSecret, stripeRequest, stripeSecret, stripeSignature } from '../test/helpers/signing.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const CLI_MAJOR = 27
const READY_TIMEOUT_MS = 120_000
const REQUEST_TIMEOUT_MS = 30_000

const started = Date.now()
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const say = (line: string) => process.stdout.write(`test:netlify: ${line}\n`)

// ---------------------------------------------------------------- netlify-cli

function cacheDir(): string {
  const override = process.env.INVITE_BRIDGE_NETLIFY_CLI_DIR?.trim()
  if (override) return resolve(override)
  const base = process.env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache')
  return join(base, 'invite-bridge', 'netlify-cli')
}

/** The CLI's entry script, installing netlify-cli@27 into the cache folder first when it is not there. */
async function ensureNetlifyCli(): Promise<string> {
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
  const code = await run(npmCommand(), ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', `netlify-cli@${CLI_MAJOR}`], {
    cwd: dir,
  })
  if (code !== 0 || !existsSync(entry)) throw new Error(`npm install netlify-cli@${CLI_MAJOR} failed (exit ${code})`)
  const version = (JSON.parse(readFileSync(join(dir, 'node_modules', 'netlify-cli', 'package.json'), 'utf8')) as { version: string }).version
  writeFileSync(marker, `${version}\n`)
  say(`installed netlify-cli ${version} in ${seconds(Date.now() - installStarted)}`)
  return entry
}

function npmCommand(): string {
  // The npm next to the running node, so the install uses the same Node 22.
  const beside = join(dirname(process.execPath), 'npm')
  return existsSync(beside) ? beside : 'npm'
}

function run(command: string, args: string[], options: { cwd: string }): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'inherit', 'inherit'], env: nodeEnv(process.env) })
    child.once('error', reject)
    child.once('exit', (code, signal) => resolveRun(code ?? (signal ? 1 : 0)))
  })
}

/** The environment with this Node's directory first on PATH, so every child runs Node 22. */
function nodeEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PATH: [dirname(process.execPath), env.PATH ?? ''].join(':') }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))))
    })
  })
}

// ------------------------------------------------------------------ lifecycle

let netlify: ChildProcess | undefined
let netlifyOutput = ''
let identity: ServedIdentitySandbox | undefined
let cleaning: Promise<void> | undefined

/** Signals the CLI's whole process group; `evenIfLeaderExited` sweeps workers left behind by a leader that is gone. */
function killNetlify(signal: NodeJS.Signals, evenIfLeaderExited = false): void {
  if (!netlify?.pid) return
  if (!evenIfLeaderExited && (netlify.exitCode !== null || netlify.signalCode !== null)) return
  try {
    // Detached, so the CLI leads its own process group: this reaches its workers too.
    process.kill(-netlify.pid, signal)
  } catch {
    /* already gone */
  }
}

function cleanup(): Promise<void> {
  return (cleaning ??= (async () => {
    if (netlify?.pid && netlify.exitCode === null && netlify.signalCode === null) {
      const exited = new Promise<void>((done) => netlify!.once('exit', () => done()))
      killNetlify('SIGTERM')
      const timer = setTimeout(() => killNetlify('SIGKILL'), 5_000)
      await Promise.race([exited, new Promise((done) => setTimeout(done, 8_000))])
      clearTimeout(timer)
    }
    // Stray workers may outlive their leader: sweep the group once more.
    killNetlify('SIGKILL', true)
    await identity?.close().catch(() => {})
  })())
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping netlify and the identity sandbox`)
    void cleanup().finally(() => process.exit(130))
  })
}
// A last resort if the process exits by any other path.
process.once('exit', () => killNetlify('SIGKILL', true))

async function startNetlify(entry: string, port: number, env: Record<string, string>): Promise<void> {
  const args = ['functions:serve', '--offline', '--port', String(port), '--functions', 'netlify/functions']
  say(`starting: netlify ${args.join(' ')} (servers pinned to 127.0.0.1 by scripts/loopback-only.ts)`)
  const loopbackOnly = join(ROOT, 'scripts', 'loopback-only.ts')
  const nodeFlags = ['--experimental-strip-types', '--disable-warning=ExperimentalWarning', '--import', pathToFileURL(loopbackOnly).href]
  netlify = spawn(process.execPath, [...nodeFlags, entry, ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: nodeEnv({
      ...process.env,
      ...env,
      // netlify-cli checks CI (ci-info) to skip telemetry and never prompt; --offline
      // skips the site lookup, the AI gateway and the geolocation API. No site ID
      // is needed: unlinked, Blobs uses the site "unlinked" in .netlify/blobs-serve.
      CI: 'true',
      // Plain output in the log shown on failure.
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    }),
  })
  const collect = (chunk: Buffer) => {
    netlifyOutput += chunk.toString('utf8')
    if (process.env.TEST_NETLIFY_VERBOSE) process.stdout.write(chunk)
  }
  netlify.stdout!.on('data', collect)
  netlify.stderr!.on('data', collect)
}

async function waitForHealth(base: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let last = 'no answer yet'
  while (Date.now() < deadline) {
    if (netlify && (netlify.exitCode !== null || netlify.signalCode !== null)) {
      throw new Error(`netlify functions:serve exited early (${netlify.exitCode ?? netlify.signalCode})`)
    }
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

// --------------------------------------------------------------------- checks

let passed = 0
let failed = 0

function check(name: string, ok: boolean, detail: string): void {
  if (ok) passed++
  else failed++
  say(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`)
}

interface Answer {
  status: number
  body: { outcome?: string; error?: { code?: string } } & Record<string, unknown>
  text: string
}

async function deliver(base: string, path: string, init: RequestInit): Promise<Answer> {
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

function expectOutcome(name: string, answer: Answer, status: number, outcome: string): void {
  check(name, answer.status === status && answer.body.outcome === outcome, `${answer.status} ${answer.text.slice(0, 300)}`)
}

/** The checkout fixture with a fresh event id and the buyer's typed address replaced. */
function checkoutFor(id: string, email: string) {
  const event = stripeEvent('checkout.session.completed', { id })
  const object = event.data.object as { customer_details: Record<string, unknown> }
  object.customer_details = { ...object.customer_details, email }
  return event
}

async function runChecks(base: string, sandbox: ServedIdentitySandbox['sandbox'], secrets: { stripe: string; github: string }): Promise<void> {
  const runId = randomBytes(4).toString('hex')
  const ann = `ann.${runId}@example.com`
  const bob = `bob.${runId}@example.com`
  const storm = `storm.${runId}@example.com`

  // Routing: the function answers at its config.path routes, not only at /.netlify/functions/<name>.
  const health = await deliver(base, '/health', { method: 'GET' })
  check('GET /health is served by the function', health.status === 200 && health.body.status === 'ok', `${health.status} ${health.text}`)
  const defaultUrl = await deliver(base, '/.netlify/functions/invite-bridge', { method: 'GET' })
  check('the default URL /.netlify/functions/invite-bridge is not served (config.path replaces it)', defaultUrl.status === 404, `${defaultUrl.status} ${defaultUrl.text.slice(0, 120)}`)

  for (const path of ['/invite-bridge/', '/invite-bridge']) {
    const page = await deliver(base, path, { method: 'GET' })
    check(`GET ${path} serves the admin page from the function bundle`, page.status === 200 && page.text.includes('<title>invite-bridge admin</title>'), `${page.status}, ${page.text.length} characters`)
  }

  const checkout = checkoutFor(`evt_nf_${runId}_1`, ann)
  expectOutcome('stripe checkout.session.completed → invited', await deliver(base, '/webhooks/stripe', await stripeRequest(checkout, secrets.stripe)), 200, 'invited')
  expectOutcome('stripe same event again → duplicate', await deliver(base, '/webhooks/stripe', await stripeRequest(checkout, secrets.stripe)), 200, 'duplicate')

  const invoice = stripeEvent('invoice.paid', { id: `evt_nf_${runId}_2`, object: { customer_email: ann } })
  expectOutcome('stripe invoice.paid, same person → duplicate', await deliver(base, '/webhooks/stripe', await stripeRequest(invoice, secrets.stripe)), 200, 'duplicate')

  const tamperedEvent = checkoutFor(`evt_nf_${runId}_3`, `mallory.${runId}@example.com`)
  const tampered = await stripeRequest(tamperedEvent, secrets.stripe)
  tampered.body = (tampered.body as string).replace('mallory', 'mallorz')
  const refused = await deliver(base, '/webhooks/stripe', tampered)
  check('stripe tampered body → 401', refused.status === 401, `${refused.status} ${refused.text.slice(0, 300)}`)

  // Raw body: Netlify hands the function the bytes the provider signed, whatever their layout,
  // characters or content type (binary types travel base64-encoded inside the runtime).
  for (const [index, [label, contentType]] of ([
    ['pretty-printed UTF-8 body', 'application/json; charset=utf-8'],
    ['binary content type (base64 inside the runtime)', 'application/octet-stream'],
  ] as const).entries()) {
    const event = checkoutFor(`evt_nf_${runId}_raw_${index}`, ann)
    const object = event.data.object as { customer_details: Record<string, unknown> }
    object.customer_details = { ...object.customer_details, name: 'Zoë Ångström 🎟️ \u00e9' }
    const body = `${JSON.stringify(event, null, 2).replaceAll('\n', '\r\n')}\r\n`
    const answer = await deliver(base, '/webhooks/stripe', {
      method: 'POST',
      headers: { 'content-type': contentType, 'stripe-signature': await stripeSignature(body, secrets.stripe) },
      body,
    })
    expectOutcome(`stripe ${label}, same person → signature verifies, duplicate`, answer, 200, 'duplicate')
  }

  const deliveryId = `nf-${runId}-invite`
  const invitation = githubInvitationByEmail(bob)
  expectOutcome('github organization.member_invited → invited', await deliver(base, '/webhooks/github', await githubRequest('organization', invitation, secrets.github, { deliveryId })), 200, 'invited')
  expectOutcome('github redelivery (same X-GitHub-Delivery) → duplicate', await deliver(base, '/webhooks/github', await githubRequest('organization', invitation, secrets.github, { deliveryId })), 200, 'duplicate')
  expectOutcome('github ping → ignored', await deliver(base, '/webhooks/github', await githubRequest('ping', githubExample('ping'), secrets.github)), 200, 'ignored')

  const sent = sandbox.invites.map((invite) => invite.email)
  check(
    'identity sandbox: exactly one invite per person (2 in total)',
    sent.length === 2 && sent.filter((email) => email === ann).length === 1 && sent.filter((email) => email === bob).length === 1,
    `invites: ${JSON.stringify(sent)}`,
  )

  /*
   * A storm: one new Stripe event delivered 8 times at once. Under
   * functions:serve the store is the Netlify Blobs local sandbox, whose
   * conditional writes (onlyIfNew / onlyIfMatch) are checked and then written
   * in separate steps, so they are not guaranteed atomic (see
   * test/stores/blobs-store.test.ts); the hosted service is. If this check is
   * flaky, that is the local sandbox losing a race: report it, do not weaken
   * the check.
   */
  const stormEvent = checkoutFor(`evt_nf_${runId}_storm`, storm)
  const stormInit = await stripeRequest(stormEvent, secrets.stripe)
  const answers = await Promise.all(Array.from({ length: 8 }, () => deliver(base, '/webhooks/stripe', stormInit)))
  const statuses = answers.map((answer) => answer.status)
  const outcomes = answers.map((answer) => answer.body.outcome ?? answer.body.error?.code ?? '?')
  check('8 concurrent deliveries of one event: every answer 200 or 409', statuses.every((status) => status === 200 || status === 409), `statuses ${JSON.stringify(statuses)}, outcomes ${JSON.stringify(outcomes)}`)
  const stormInvites = sandbox.invites.filter((invite) => invite.email === storm).length
  check('8 concurrent deliveries of one event: exactly one invite', stormInvites === 1, `${stormInvites} invite(s) to ${storm}`)
  /*
   * The sandbox, like GoTrue, refuses a second invite to a known address, so
   * the count above holds even when the bridge lets two attempts through; the
   * answers tell whether the bridge's own claims kept it to one attempt. Under
   * the local Blobs sandbox they do not always (about 1 run in 3 shows one
   * `already_registered`): its onlyIfNew is check-then-write, not atomic. That
   * is the local store, not the bridge (race-freedom of the claims is proven
   * on SQLite by real processes, and the hosted Blobs service is atomic), so
   * it is reported here, not counted as a pass or a failure.
   */
  const invited = outcomes.filter((outcome) => outcome === 'invited').length
  const registered = outcomes.filter((outcome) => outcome === 'already_registered').length
  say(
    invited === 1 && registered === 0
      ? 'INFO storm: the claims let exactly one attempt reach identity (1 invited, 0 already_registered)'
      : `INFO storm: ${invited} invited, ${registered} already_registered: more than one attempt reached identity, which ` +
          "refused the extra invite; the local Blobs sandbox's conditional writes are not atomic (the hosted service's are)",
  )
}

// ----------------------------------------------------------------------- main

async function main(): Promise<number> {
  const entry = await ensureNetlifyCli()

  const jwtSecret = randomBytes(32).toString('hex')
  const secrets = { stripe: stripeSecret(), github: githubSecret() }
  identity = await serveIdentitySandbox({ jwtSecret, siteUrl: 'http://127.0.0.1' })
  say(`identity sandbox at ${identity.url}`)

  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const serveStarted = Date.now()
  await startNetlify(entry, port, {
    STRIPE_WEBHOOK_SECRET: secrets.stripe,
    GITHUB_WEBHOOK_SECRET: secrets.github,
    IDENTITY_URL: identity.url,
    IDENTITY_JWT_SECRET: jwtSecret,
  })
  await waitForHealth(base)
  say(`functions:serve answered GET /health after ${seconds(Date.now() - serveStarted)}`)

  const checksStarted = Date.now()
  await runChecks(base, identity.sandbox, secrets)
  say(`checks took ${seconds(Date.now() - checksStarted)}`)
  return failed === 0 ? 0 : 1
}

let exitCode = 1
try {
  exitCode = await main()
} catch (error) {
  failed++
  say(`FAIL ${error instanceof Error ? error.message : String(error)}`)
} finally {
  const stopping = Date.now()
  await cleanup()
  say(`stopped netlify and the identity sandbox in ${seconds(Date.now() - stopping)}`)
}
if (failed > 0 && exitCode === 0) exitCode = 1
if (failed > 0 && netlifyOutput && !process.env.TEST_NETLIFY_VERBOSE) {
  process.stdout.write(`--- netlify functions:serve output (last 4000 chars) ---\n${netlifyOutput.slice(-4000)}\n--- end ---\n`)
}
say(`done in ${seconds(Date.now() - started)}`)
process.stdout.write(`${passed} passed, ${failed} failed\n`)
process.exit(exitCode)

/**
 * npm run test:package — the package as someone with a Netlify site of their
 * own gets it: `npm pack` (which builds dist/), the tarball installed into a
 * new site in a temporary folder, and the site set up exactly as README.md's
 * "Add to an existing site" says. The function file and netlify.toml are
 * written from that section's code blocks (those whose first line names the
 * file), so the README cannot drift from what is proven here.
 *
 * Then, from the site's own folder and its own node_modules: the rules file
 * made with `npx invite-bridge check-config --json`, the build command from
 * its netlify.toml run as Netlify's build would (and failing on a bad rules
 * file), `npx invite-bridge --help`, the site served by
 * `netlify functions:serve --offline` (which bundles the function as a
 * deploy does), and `npx invite-bridge send` delivering one signed Stripe
 * purchase three times: identity, the GoTrue sandbox on loopback, receives
 * exactly one POST /invite.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { serveIdentitySandbox } from '../src/sandbox/serve.ts'
import { stripeSecret } from '../test/helpers/signing.ts'
import { deliver, ensureNetlifyCli, serveFunctions } from './netlify-serve.ts'
import { npmCommand, run, runSuite, seconds, type RunResult, type Suite } from './suite.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SECTION = '## Add to an existing site'
const FUNCTION_FILE = 'netlify/functions/invite-bridge.mts'

/** The files README.md's section spells out: fenced blocks whose first line is `// <path>` or `# <path>`. */
function filesFromReadme(): Map<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf(`\n${SECTION}\n`)
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`)
  const end = readme.indexOf('\n## ', start + SECTION.length + 1)
  const files = new Map<string, string>()
  for (const [, body] of readme.slice(start, end < 0 ? undefined : end).matchAll(/```\w*\n([\s\S]*?)```/g)) {
    const named = /^(?:\/\/|#) ([\w./-]+\.\w+)\n/.exec(body!)
    if (named) files.set(named[1]!, body!)
  }
  for (const required of [FUNCTION_FILE, 'netlify.toml']) {
    if (!files.has(required)) throw new Error(`README.md's "${SECTION}" has no code block starting with a line naming ${required}`)
  }
  return files
}

/**
 * The environment a site's commands see: this run's npm settings (npm_config_*
 * from `npm run`, which point at this repository) left out, so npm in the
 * site reads only the site.
 */
function siteEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== 'INIT_CWD'))
  return { ...env, ...extra }
}

const brief = (result: RunResult) => `exit ${result.code}: ${`${result.stdout}${result.stderr}`.trim().slice(-600)}`

/** The `path` literal of a function file's `config`, as written. */
const pathsOf = (source: string) => /\bpath:\s*(\[[^\]]*\])/.exec(source)?.[1]?.replace(/\s+/g, ' ') ?? null

/** README's function file must route every path this repository's own function routes. */
function checkRoutesMatchOurFunction(suite: Suite): void {
  const ours = pathsOf(readFileSync(join(ROOT, 'netlify/functions/invite-bridge.ts'), 'utf8'))
  const readme = pathsOf(filesFromReadme().get(FUNCTION_FILE)!)
  suite.check("README's function file has this repository's config.path", ours !== null && readme === ours, `README ${readme}, ours ${ours}`)
}

async function packInto(suite: Suite, dir: string): Promise<string> {
  const started = Date.now()
  const packed = await run(npmCommand(), ['pack', '--pack-destination', dir, '--loglevel=error'], { cwd: ROOT, capture: true })
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'))
  if (packed.code !== 0 || !tarball) throw new Error(`npm pack failed (${brief(packed)})`)
  suite.say(`npm pack (with the build) took ${seconds(Date.now() - started)}: ${tarball}`)
  return join(dir, tarball)
}

async function createSite(suite: Suite, dir: string, tarball: string): Promise<void> {
  mkdirSync(dir)
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'example-site', private: true }, null, 2)}\n`)
  const started = Date.now()
  // --prefer-offline: the dependencies are usually in npm's cache already, from this repository's own install.
  const installed = await run(npmCommand(), ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], {
    cwd: dir,
    env: siteEnv(),
    capture: true,
  })
  if (installed.code !== 0) throw new Error(`npm install of the tarball failed (${brief(installed)})`)
  suite.say(`npm install of the tarball into the site took ${seconds(Date.now() - started)}`)
  for (const [path, body] of filesFromReadme()) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), body)
    suite.say(`wrote ${path} from README.md`)
  }
}

const npx = (site: string, args: string[], env: Record<string, string> = {}) =>
  run(npmCommand('npx'), ['--no-install', 'invite-bridge', ...args], { cwd: site, env: siteEnv(env), capture: true })

/** The build command of the site's netlify.toml, as Netlify's build runs it: in a shell, NETLIFY=true. */
function buildOf(site: string): (suite: Suite) => Promise<RunResult> {
  const command = /^\s*command\s*=\s*"([^"]+)"/m.exec(readFileSync(join(site, 'netlify.toml'), 'utf8'))?.[1]
  if (!command) throw new Error("the site's netlify.toml has no [build] command")
  return async (suite) => {
    suite.say(`build: ${command}`)
    return run(command, [], { cwd: site, env: siteEnv({ NETLIFY: 'true' }), capture: true, shell: true })
  }
}

async function checkTheCommandLine(suite: Suite, site: string): Promise<void> {
  const help = await npx(site, ['--help'])
  suite.check('npx invite-bridge --help, from the site', help.code === 0 && help.stdout.startsWith('Usage: invite-bridge <command>'), `exit ${help.code}: ${help.stdout.split('\n')[0]}`)

  // README: `npx invite-bridge check-config --json > invite-bridge.config.json`.
  const defaults = await npx(site, ['check-config', '--json'])
  suite.check('npx invite-bridge check-config --json prints the default rules', defaults.code === 0 && defaults.stdout.includes('"rules"'), brief(defaults))
  const rulesPath = join(site, 'invite-bridge.config.json')
  writeFileSync(rulesPath, defaults.stdout)

  const build = buildOf(site)
  const built = await build(suite)
  suite.check("the site's build command passes with the rules file", built.code === 0 && built.stdout.includes('OK: the rules are valid'), brief(built))
  const rules = JSON.parse(defaults.stdout) as { rules: Array<Record<string, unknown>> }
  writeFileSync(rulesPath, JSON.stringify({ rules: [{ ...rules.rules[0], events: ['checkout.session.finished'] }] }))
  const broken = await build(suite)
  suite.check("the site's build command fails on a bad rules file, naming the field", broken.code === 1 && broken.stderr.includes('rules[0].events'), brief(broken))
  writeFileSync(rulesPath, defaults.stdout)
}

await runSuite('test:package', async (suite) => {
  checkRoutesMatchOurFunction(suite)
  const entry = await ensureNetlifyCli(suite.say)
  const work = mkdtempSync(join(tmpdir(), 'invite-bridge-package-'))
  suite.defer(() => rmSync(work, { recursive: true, force: true }))
  const site = join(work, 'site')
  await createSite(suite, site, await packInto(suite, work))
  await checkTheCommandLine(suite, site)

  const jwtSecret = randomBytes(32).toString('hex')
  const secret = stripeSecret()
  const identity = await serveIdentitySandbox({ jwtSecret, siteUrl: 'http://127.0.0.1' })
  suite.defer(() => identity.close())
  const { base } = await serveFunctions(suite, {
    entry,
    cwd: site,
    env: { STRIPE_WEBHOOK_SECRET: secret, IDENTITY_URL: identity.url, IDENTITY_JWT_SECRET: jwtSecret },
  })

  const health = await deliver(base, '/health', { method: 'GET' })
  suite.check("GET /health is served at the site's config.path", health.status === 200 && health.body.status === 'ok', `${health.status} ${health.text}`)

  const ann = `ann.${randomBytes(4).toString('hex')}@example.com`
  const sent = await npx(site, ['send', 'stripe', 'checkout.session.completed', '--email', ann, '--url', base, '--secret', secret, '--repeat', '3'])
  const invited = sent.stdout.split('\n').filter((line) => /^#\d+ 200 invited\b/.test(line)).length
  suite.check('npx invite-bridge send: one purchase delivered 3 times, invited once', sent.code === 0 && invited === 1, brief(sent))
  const requests = identity.sandbox.inviteRequests.filter((email) => email === ann).length
  suite.check('identity received exactly one POST /invite', requests === 1, `${requests} request(s) for ${ann}`)
})

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
 * netlify-cli is installed on demand into a cache folder (scripts/netlify-serve.ts).
 */
import { randomBytes } from 'node:crypto'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { serveIdentitySandbox, type ServedIdentitySandbox } from '../src/sandbox/serve.ts'
import { githubExample, githubInvitationByEmail, stripeEvent } from '../test/helpers/fixtures.ts'
import { githubRequest, githubSecret, stripeRequest, stripeSecret, stripeSignature } from '../test/helpers/signing.ts'
import { deliver, ensureNetlifyCli, serveFunctions, type Answer } from './netlify-serve.ts'
import { runSuite, seconds, type Suite } from './suite.ts'
import { sampleAccountHex } from '../src/handlers/sample-ids.ts'
import { paddleSampleCustomerId } from '../src/handlers/paddle/samples.ts'
import { findSender } from '../src/handlers/registry.ts'
import { SENDERS } from '../src/handlers/senders.ts'
import { servePaddleApi } from '../test/helpers/paddle-api.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

function expectOutcome(suite: Suite, name: string, answer: Answer, status: number, outcome: string): void {
  suite.check(name, answer.status === status && answer.body.outcome === outcome, `${answer.status} ${answer.text.slice(0, 300)}`)
}

/** The checkout fixture with a fresh event id and the buyer's typed address replaced. */
function checkoutFor(id: string, email: string) {
  const event = stripeEvent('checkout.session.completed', { id })
  const object = event.data.object as { customer: unknown; customer_details: Record<string, unknown> }
  object.customer_details = { ...object.customer_details, email }
  // One Stripe customer per buyer, as in a real account: the ledger links a customer to one account.
  object.customer = `cus_${sampleAccountHex(email)}`
  return event
}

async function runChecks(suite: Suite, base: string, sandbox: ServedIdentitySandbox['sandbox'], secrets: { stripe: string; github: string; apiKey: string }): Promise<void> {
  const runId = randomBytes(4).toString('hex')
  const ann = `ann.${runId}@example.com`
  const bob = `bob.${runId}@example.com`
  const storm = `storm.${runId}@example.com`

  // Routing: the function answers at its config.path routes, not only at /.netlify/functions/<name>.
  const health = await deliver(base, '/health', { method: 'GET' })
  suite.check('GET /health is served by the function', health.status === 200 && health.body.status === 'ok', `${health.status} ${health.text}`)
  const defaultUrl = await deliver(base, '/.netlify/functions/invite-bridge', { method: 'GET' })
  suite.check('the default URL /.netlify/functions/invite-bridge is not served (config.path replaces it)', defaultUrl.status === 404, `${defaultUrl.status} ${defaultUrl.text.slice(0, 120)}`)

  for (const path of ['/invite-bridge/', '/invite-bridge']) {
    const page = await deliver(base, path, { method: 'GET' })
    suite.check(`GET ${path} serves the admin page from the function bundle`, page.status === 200 && page.text.includes('<title>invite-bridge admin</title>'), `${page.status}, ${page.text.length} characters`)
  }

  const checkout = checkoutFor(`evt_nf_${runId}_1`, ann)
  expectOutcome(suite, 'stripe checkout.session.completed → invited', await deliver(base, '/webhooks/stripe', await stripeRequest(checkout, secrets.stripe)), 200, 'invited')
  expectOutcome(suite, 'stripe same event again → duplicate', await deliver(base, '/webhooks/stripe', await stripeRequest(checkout, secrets.stripe)), 200, 'duplicate')

  const invoice = stripeEvent('invoice.paid', { id: `evt_nf_${runId}_2`, object: { customer_email: ann } })
  expectOutcome(suite, 'stripe invoice.paid, same person → duplicate', await deliver(base, '/webhooks/stripe', await stripeRequest(invoice, secrets.stripe)), 200, 'duplicate')

  const tamperedEvent = checkoutFor(`evt_nf_${runId}_3`, `mallory.${runId}@example.com`)
  const tampered = await stripeRequest(tamperedEvent, secrets.stripe)
  tampered.body = (tampered.body as string).replace('mallory', 'mallorz')
  const refused = await deliver(base, '/webhooks/stripe', tampered)
  suite.check('stripe tampered body → 401', refused.status === 401, `${refused.status} ${refused.text.slice(0, 300)}`)

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
    expectOutcome(suite, `stripe ${label}, same person → signature verifies, duplicate`, answer, 200, 'duplicate')
  }

  const deliveryId = `nf-${runId}-invite`
  const invitation = githubInvitationByEmail(bob)
  expectOutcome(suite, 'github organization.member_invited → invited', await deliver(base, '/webhooks/github', await githubRequest('organization', invitation, secrets.github, { deliveryId })), 200, 'invited')
  expectOutcome(suite, 'github redelivery (same X-GitHub-Delivery) → duplicate', await deliver(base, '/webhooks/github', await githubRequest('organization', invitation, secrets.github, { deliveryId })), 200, 'duplicate')
  expectOutcome(suite, 'github ping → ignored', await deliver(base, '/webhooks/github', await githubRequest('ping', githubExample('ping'), secrets.github)), 200, 'ignored')

  // The event log and the bridge's own retries: identity fails once, the delivery is queued (202), the
  // admin API (at /invite-bridge/api/*, routed by config.path) shows it pending, and a sweep finishes it.
  const carol = `carol.${runId}@example.com`
  const queuedEvent = checkoutFor(`evt_nf_${runId}_queued`, carol)
  sandbox.faults.set({ kind: 'status', status: 503, times: 1 })
  expectOutcome(suite, 'stripe delivery while identity answers 503 → 202 queued', await deliver(base, '/webhooks/stripe', await stripeRequest(queuedEvent, secrets.stripe)), 202, 'queued')
  const admin = { headers: { authorization: `Bearer ${secrets.apiKey}` } }
  const eventPath = `/invite-bridge/api/events/${encodeURIComponent(`stripe:${queuedEvent.id}`)}`
  const pending = await deliver(base, eventPath, { method: 'GET', ...admin })
  suite.check('GET /invite-bridge/api/events/<id> shows it pending, address masked', pending.status === 200 && pending.body.status === 'pending' && pending.body.email === 'c***@example.com', `${pending.status} ${pending.text.slice(0, 300)}`)
  const unauthorised = await deliver(base, '/invite-bridge/api/events', { method: 'GET' })
  suite.check('the admin API refuses a request without credentials', unauthorised.status === 401, `${unauthorised.status}`)
  let swept: Answer = pending
  for (let round = 0; round < 20 && swept.body.status !== 'done'; round++) {
    await new Promise((done) => setTimeout(done, 500))
    await deliver(base, '/invite-bridge/api/sweep', { method: 'POST', ...admin })
    swept = await deliver(base, eventPath, { method: 'GET', ...admin })
  }
  suite.check('a sweep (POST /invite-bridge/api/sweep) invites the queued person once', swept.body.status === 'done' && swept.body.outcome === 'invited' && sandbox.invites.filter((invite) => invite.email === carol).length === 1, `${swept.status} ${swept.text.slice(0, 300)}`)

  const sent = sandbox.invites.map((invite) => invite.email).filter((email) => email !== carol)
  suite.check(
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
  suite.check('8 concurrent deliveries of one event: every answer 200 or 409', statuses.every((status) => status === 200 || status === 409), `statuses ${JSON.stringify(statuses)}, outcomes ${JSON.stringify(outcomes)}`)
  const stormInvites = sandbox.invites.filter((invite) => invite.email === storm).length
  suite.check('8 concurrent deliveries of one event: exactly one invite', stormInvites === 1, `${stormInvites} invite(s) to ${storm}`)
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
  suite.say(
    invited === 1 && registered === 0
      ? 'INFO storm: the claims let exactly one attempt reach identity (1 invited, 0 already_registered)'
      : `INFO storm: ${invited} invited, ${registered} already_registered: more than one attempt reached identity, which ` +
          "refused the extra invite; the local Blobs sandbox's conditional writes are not atomic (the hosted service's are)",
  )
}

/** The built-in senders beyond Stripe and GitHub, each signed as its provider signs, invite once under Netlify's runtime. */
const MORE_SENDERS = ['polar', 'lemonsqueezy', 'paddle', 'shopify'] as const

function senderSecrets(): Record<(typeof MORE_SENDERS)[number], string> {
  return {
    polar: `whsec_${randomBytes(32).toString('base64')}`,
    lemonsqueezy: randomBytes(18).toString('base64url'),
    paddle: `pdl_ntfset_${randomBytes(13).toString('hex')}_${randomBytes(24).toString('base64url')}`,
    shopify: randomBytes(32).toString('hex'),
  }
}

async function checkMoreSenders(suite: Suite, base: string, sandbox: ServedIdentitySandbox['sandbox'], secrets: Record<(typeof MORE_SENDERS)[number], string>, runId: string): Promise<void> {
  for (const name of MORE_SENDERS) {
    const sender = findSender(SENDERS, name)!
    const email = `${name}.${runId}@example.com`
    const event = sender.catalogue.events.find((candidate) => candidate.invitesByDefault)!.type
    const signed = sender.sign(sender.samples[event]!({ email }), secrets[name])
    expectOutcome(suite, `${name} ${event} → invited`, await deliver(base, signed.path, signed.init), 200, 'invited')
    expectOutcome(suite, `${name} the same delivery again → duplicate`, await deliver(base, signed.path, signed.init), 200, 'duplicate')
    const sent = sandbox.invites.filter((invite) => invite.email === email).length
    suite.check(`${name}: identity sent that person one invite`, sent === 1, `${sent} invite(s) to ${email}`)
  }
}

// ----------------------------------------------------------------------- main

await runSuite('test:netlify', async (suite) => {
  const entry = await ensureNetlifyCli(suite.say)

  const jwtSecret = randomBytes(32).toString('hex')
  const secrets = { stripe: stripeSecret(), github: githubSecret(), apiKey: randomBytes(32).toString('hex') }
  const more = senderSecrets()
  const runId = randomBytes(4).toString('hex')
  const identity = await serveIdentitySandbox({ jwtSecret, siteUrl: 'http://127.0.0.1' })
  suite.defer(() => identity.close())
  suite.say(`identity sandbox at ${identity.url}`)
  // Paddle's events name only a customer: its API (a stand-in on loopback) gives the address.
  const paddleKey = `pdl_apikey_${randomBytes(16).toString('hex')}`
  const paddleApi = await servePaddleApi(paddleKey, { customers: { [paddleSampleCustomerId(`paddle.${runId}@example.com`)]: { email: `paddle.${runId}@example.com` } } })
  suite.defer(() => paddleApi.close())

  const { base } = await serveFunctions(suite, {
    entry,
    cwd: ROOT,
    env: {
      STRIPE_WEBHOOK_SECRET: secrets.stripe,
      GITHUB_WEBHOOK_SECRET: secrets.github,
      IDENTITY_URL: identity.url,
      IDENTITY_JWT_SECRET: jwtSecret,
      INVITE_API_KEYS: secrets.apiKey,
      BRIDGE_RETRY_FIRST_SECONDS: '1',
      POLAR_WEBHOOK_SECRET: more.polar,
      LEMONSQUEEZY_WEBHOOK_SECRET: more.lemonsqueezy,
      PADDLE_WEBHOOK_SECRET: more.paddle,
      PADDLE_API_KEY: paddleKey,
      PADDLE_API_URL: paddleApi.url,
      SHOPIFY_WEBHOOK_SECRET: more.shopify,
    },
  })

  const checksStarted = Date.now()
  await runChecks(suite, base, identity.sandbox, secrets)
  await checkMoreSenders(suite, base, identity.sandbox, more, runId)
  suite.say(`checks took ${seconds(Date.now() - checksStarted)}`)
})

import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { parseList, type Env } from '../core/config/env.ts'
import { findSender } from '../handlers/registry.ts'
import { SENDERS } from '../handlers/senders.ts'
import type { SamplePayload, Sender } from '../handlers/sender.ts'
import { devWebhookSecret, readDevSecrets } from '../local/dev-secrets.ts'
import { bridgeUrl } from './bridge-url.ts'
import { readRules } from './rules-text.ts'
import { UsageError, positiveInt, type CommandIO } from './usage.ts'

const WIDTH = Math.max(...SENDERS.map((sender) => sender.name.length))

export const SEND_HELP = `Usage: invite-bridge send <sender> <event> [options]

Builds a real-shaped webhook payload, signs it exactly as the provider would,
posts it to the bridge, and prints the status and outcome of each delivery.

Events:
${SENDERS.map((sender) => `  ${sender.name.padEnd(WIDTH)}  ${Object.keys(sender.samples).join(', ')}`).join('\n')}
  ${'<defined>'.padEnd(WIDTH)}  a sender the rules file defines under "sources": the events its rules
  ${''.padEnd(WIDTH)}  name, in a body with --email (and --name) at its pointers

Options:
  --email <address>     the buyer's or invitee's address
  --name <name>         the buyer's name, sent on as full_name (where the sender carries one)
  --login <login>       a GitHub login (member_added, or member_invited without --email)
  --file <path>         send this JSON payload instead of a built one; for github,
                        <event> is then the X-GitHub-Event name (e.g. organization),
                        for shopify the X-Shopify-Topic (e.g. orders/paid)
  --url <url>           the bridge (default: http://localhost:$PORT, PORT default 8888)
  --config <path>       the rules file that defines senders (default: $INVITE_BRIDGE_CONFIG,
                        else ./invite-bridge.config.json)
  --secret <secret>     signing secret (default: the sender's variable, e.g.
                        $STRIPE_WEBHOOK_SECRET, else the development secret that
                        npm start keeps in $BRIDGE_DATA_DIR/dev-secrets.json)
  --repeat <n>          deliver the same event n times, as a provider's retries
                        would (default 1)
  --concurrency <n>     how many deliveries are in flight at once (default 1)
  -h, --help            show this help

Examples:
  invite-bridge send stripe checkout.session.completed --email ann@example.com
  invite-bridge send github organization.member_invited --email bob@example.com
  invite-bridge send shopify orders/paid --email cy@example.com
  invite-bridge send paddle transaction.completed --email di@example.com
      (Paddle's events carry only a customer id: the bridge reads the address
      from PADDLE_API_URL with PADDLE_API_KEY, so that API, or a stand-in,
      must hold the customer the sample names for this address)
  invite-bridge send stripe invoice.paid --email ann@example.com --repeat 20 --concurrency 10

Exit status: 0 when every delivery was accepted (2xx, or 409 "in progress"
while a storm is being de-duplicated), 1 otherwise, 2 for bad arguments.`

interface Answer {
  status: number
  text: string
}

export async function runSend(argv: string[], io: CommandIO, env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      login: { type: 'string' },
      file: { type: 'string' },
      url: { type: 'string' },
      config: { type: 'string' },
      secret: { type: 'string' },
      repeat: { type: 'string' },
      concurrency: { type: 'string' },
    },
  })
  const [senderArg, event, ...extra] = positionals
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`)
  const { senders } = await readRules(values.config, env)
  const sender = senderArg === undefined ? undefined : findSender(senders, senderArg)
  if (!sender) {
    const names = senders.map((candidate) => candidate.name)
    throw new UsageError(`the first argument must be ${names.slice(0, -1).join(', ')} or ${names.at(-1)}`)
  }
  const repeat = positiveInt(values.repeat, '--repeat', 1)
  const concurrency = positiveInt(values.concurrency, '--concurrency', 1)
  const url = bridgeUrl(values.url, env)

  const sample = values.file ? fromFile(sender, event, values.file) : built(sender, event, values)
  const secret = values.secret ?? parseList(env[sender.secretVariable])[0] ?? devSecret(sender, env)
  // One signed request, sent `repeat` times: a redelivery has the same id (Stripe's event id, GitHub's delivery id).
  const signed = sender.sign(sample, secret)

  const answers: Answer[] = []
  let next = 0
  const worker = async () => {
    while (next < repeat) {
      const n = ++next
      const answer = await post(`${url}${signed.path}`, signed.init)
      answers.push(answer)
      io.out(`#${n} ${answer.status} ${answer.text}`)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, repeat) }, worker))

  if (repeat > 1) io.out(summary(answers))
  return answers.every((answer) => (answer.status >= 200 && answer.status < 300) || answer.status === 409) ? 0 : 1
}

function built(sender: Sender, event: string | undefined, values: { email?: string; login?: string; name?: string }): SamplePayload {
  const events = Object.keys(sender.samples)
  if (!events.length) throw new UsageError(`no rule names a ${sender.name} event: name one in the rules file, or send a body with --file`)
  if (!event) throw new UsageError(`name the ${sender.name} event to send (${events.join(', ')})`)
  const build = sender.samples[event]
  if (!build) throw new UsageError(`unknown ${sender.name} event "${event}"; one of: ${events.join(', ')}`)
  try {
    return build(values)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

function fromFile(sender: Sender, event: string | undefined, file: string): SamplePayload {
  let payload: Record<string, any>
  try {
    payload = JSON.parse(readFileSync(resolve(file), 'utf8')) as Record<string, any>
  } catch (error) {
    throw new UsageError(`cannot read ${file} as JSON: ${(error as Error).message}`)
  }
  if (sender.eventHeader && !event) throw new UsageError(`with --file, name the event that goes in ${sender.eventHeader}`)
  return { eventName: event ?? String(payload.type ?? ''), payload }
}

function devSecret(sender: Sender, env: Env): string {
  const dataDir = resolve(env.BRIDGE_DATA_DIR?.trim() || '.data')
  const secrets = readDevSecrets(dataDir)
  if (!secrets) {
    throw new UsageError(`no signing secret: pass --secret, set ${sender.secretVariable}, or run npm start once (it creates ${dataDir}/dev-secrets.json)`)
  }
  return devWebhookSecret(secrets, sender.name)
}

async function post(url: string, init: RequestInit): Promise<Answer> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) })
    const body = (await response.json().catch(() => ({}))) as { outcome?: string; reason?: string; error?: { code: string; message: string } }
    const text = body.outcome
      ? `${body.outcome}${body.reason ? ` (${body.reason})` : ''}`
      : body.error
        ? `${body.error.code}: ${body.error.message}`
        : response.statusText
    return { status: response.status, text }
  } catch (error) {
    return { status: 0, text: `could not reach ${url}: ${(error as Error).message}` }
  }
}

function summary(answers: Answer[]): string {
  const counts = new Map<string, number>()
  for (const answer of answers) {
    const key = answer.text.split(' ')[0]!.replace(/:$/, '')
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return `${answers.length} sent: ${[...counts].map(([key, count]) => `${count} ${key}`).join(', ')}`
}

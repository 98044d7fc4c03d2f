import { parseArgs } from 'node:util'
import type { Env } from '../core/config/env.ts'
import { adminClient } from './admin-client.ts'
import { bridgeUrl } from './bridge-url.ts'
import { CREDENTIAL_OPTIONS, credentials } from './credentials.ts'
import { UsageError, positiveInt, type CommandIO } from './usage.ts'

export const EVENTS_HELP = `Usage: invite-bridge events list [options]
       invite-bridge events show <id> [options]

Reads the bridge's event log (GET /invite-bridge/api/events): every verified
delivery, what became of it, and the events the bridge is retrying (pending)
or gave up on (dead). <id> is the bridge's id (as listed) or
<source>:<the sender's event id>, e.g. stripe:evt_1Q2w3E or
github:<X-GitHub-Delivery>. Addresses are shown masked, as the bridge keeps them.

Options:
  --status <s>            pending, dead or done (list)
  --source <name>         one sender, e.g. stripe (list)
  --since <when>          an ISO time, or a span back from now: 30m, 24h, 7d (list)
  --limit <n>             at most this many events, newest first (list; default 100)
  --json                  print the API's JSON instead of lines
  --url <url>             the bridge (default: http://localhost:$PORT, PORT default 8888)
${CREDENTIAL_OPTIONS}
  -h, --help              show this help

Examples:
  invite-bridge events list --status dead --url https://example.netlify.app
  invite-bridge events list --source github --since 24h
  invite-bridge events show stripe:evt_1Q2w3E

Exit status: 0 on an answer, 1 when the bridge refused or could not be reached,
2 for bad arguments.`

const OPTIONS = {
  status: { type: 'string' },
  source: { type: 'string' },
  since: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  url: { type: 'string' },
  key: { type: 'string' },
  token: { type: 'string' },
} as const

export async function runEvents(argv: string[], io: CommandIO, env: Env): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS })
  const [action, id, ...extra] = positionals
  const client = adminClient({ url: bridgeUrl(values.url, env), authorization: credentials(values, env) })
  if (action === 'show') {
    if (!id || extra.length) throw new UsageError('events show takes one <id>')
    const event = await client.get(`/events/${encodeURIComponent(id)}`)
    if (values.json) io.out(JSON.stringify(event, null, 2))
    else for (const [field, value] of Object.entries(event as Record<string, unknown>)) io.out(`${`${field}:`.padEnd(11)} ${show(value)}`)
    return 0
  }
  if (action !== 'list' || id !== undefined) throw new UsageError('say what to do: events list, or events show <id>')
  if (values.status && !['pending', 'dead', 'done'].includes(values.status)) throw new UsageError('--status must be pending, dead or done')

  const events = await listAll(client, { status: values.status, source: values.source, since: values.since }, positiveInt(values.limit, '--limit', 100))
  if (values.json) io.out(JSON.stringify(events, null, 2))
  else for (const event of events) io.out(line(event))
  io.err(`${events.length} event${events.length === 1 ? '' : 's'}`)
  return 0
}

/** Every event the filter selects, following the API's cursor, up to `limit`. */
export async function listAll(
  client: ReturnType<typeof adminClient>,
  filter: { status?: string | undefined; source?: string | undefined; since?: string | undefined },
  limit: number,
): Promise<any[]> {
  const events: any[] = []
  let cursor: string | null = null
  do {
    const query = new URLSearchParams()
    for (const [name, value] of Object.entries(filter)) if (value) query.set(name, value)
    query.set('limit', String(Math.min(200, limit - events.length)))
    if (cursor) query.set('cursor', cursor)
    const page = (await client.get(`/events?${query}`)) as { events: any[]; next: string | null }
    events.push(...page.events)
    cursor = page.next
  } while (cursor && events.length < limit)
  return events.slice(0, limit)
}

/** One event on one line: what an operator scans for. */
export function line(event: any): string {
  const error = event.error ? `  ${event.error.code}: ${event.error.message}` : ''
  const retry = event.status === 'pending' && event.retryAt ? `  retry at ${event.retryAt}` : ''
  return [
    event.firstSeen,
    String(event.status).padEnd(7),
    String(event.outcome ?? '-').padEnd(18),
    `${event.source}:${event.eventId}`,
    event.type,
    event.email ?? '-',
    `x${event.attempts}`,
    event.id,
  ].join('  ') + retry + error
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '-'
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

import { parseArgs } from 'node:util'
import type { Env } from '../core/config/env.ts'
import { adminClient } from './admin-client.ts'
import { bridgeUrl } from './bridge-url.ts'
import { CREDENTIAL_OPTIONS, credentials } from './credentials.ts'
import { listAll } from './events.ts'
import { UsageError, type CommandIO } from './usage.ts'

export const REPLAY_HELP = `Usage: invite-bridge replay <id> [options]
       invite-bridge replay --all-dead [options]

Runs an event again now (POST /invite-bridge/api/events/<id>/replay): a dead
event the bridge gave up on (after a fix: identity back, a setting set), or a
pending one before its retry is due. It goes through the same claims as any
delivery, so replaying an event that is done changes nothing and invites
nobody twice. <id> is the bridge's id or <source>:<the sender's event id>.

Options:
  --all-dead              replay every dead event, oldest last
  --url <url>             the bridge (default: http://localhost:$PORT, PORT default 8888)
${CREDENTIAL_OPTIONS}
  -h, --help              show this help

Prints one line per event: its id, status and outcome. A replay that fails
again for a reason a retry may fix leaves the event pending: the bridge keeps
retrying it.

Exit status: 0 when every event replayed is done, 1 when any is still pending
or dead (or the bridge refused), 2 for bad arguments.`

export async function runReplay(argv: string[], io: CommandIO, env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'all-dead': { type: 'boolean' }, url: { type: 'string' }, key: { type: 'string' }, token: { type: 'string' } },
  })
  if (values['all-dead'] ? positionals.length > 0 : positionals.length !== 1) throw new UsageError('name one <id>, or --all-dead')
  const client = adminClient({ url: bridgeUrl(values.url, env), authorization: credentials(values, env) })
  const ids = values['all-dead'] ? (await listAll(client, { status: 'dead' }, 10_000)).map((event) => event.id as string) : positionals
  if (ids.length === 0) io.err('no dead events: nothing to replay')

  let left = 0
  for (const id of ids) {
    const body = await client.post(`/events/${encodeURIComponent(id)}/replay`)
    if (body.status !== 'done') left++
    io.out(`${String(body.status).padEnd(7)}  ${String(body.outcome ?? '-').padEnd(18)}  ${body.id}${body.retryAt ? `  retry at ${body.retryAt}` : ''}`)
  }
  return left ? 1 : 0
}

import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { parseList, type Env } from '../core/config/env.ts'
import { parseCsv } from './csv.ts'
import { runInvites, type AddressLine, type Invitee } from './invite-run.ts'
import { bridgeUrl } from './bridge-url.ts'
import { CREDENTIAL_OPTIONS, credentials } from './credentials.ts'
import { UsageError, positiveInt, type CommandIO } from './usage.ts'

export const INVITE_HELP = `Usage: invite-bridge invite [address...] [options]

Asks the bridge (POST /invites) to invite each address once. Safe to run again:
addresses already handled come back "duplicate" and are not invited twice.

Options:
  --csv <file>            read addresses from a CSV file with an "email" column
                          (- reads standard input)
  --data-columns <a,b>    CSV columns to give each user as metadata
                          (user_metadata), e.g. full_name,company
  --data <json>           metadata for every user, e.g. '{"plan":"team"}'
                          (CSV columns win over it)
  --url <url>             the bridge: your site (https://example.netlify.app) or a
                          local server (default: http://localhost:$PORT, PORT
                          default 8888)
${CREDENTIAL_OPTIONS}
  --batch-size <n>        addresses per request (default 50; lowered by itself
                          when the bridge's INVITE_MAX_BATCH is smaller)
  --concurrency <n>       requests in flight at once (default 2)
  --retries <n>           rounds to try again for addresses left not done when a
                          round finishes none of them (default 2), each after the
                          wait the bridge asks for (up to 2 minutes) or a backoff
  -h, --help              show this help

Examples:
  INVITE_API_KEY=... invite-bridge invite ann@example.com bob@example.com --url https://example.netlify.app
  invite-bridge invite --csv people.csv --data-columns full_name --data '{"source":"import"}'

Prints one line per address (outcome, address, reason) and a summary; progress
goes to stderr. Outcomes: invited, already_registered (has an account),
duplicate (handled before), rejected (will not be invited: invalid address,
domain not allowed, over the hourly cap), and not done: failed, in_progress,
not_sent.

Exit status: 0 when every address reached a final outcome; 1 when any is left
not done or over the hourly cap (run the same command again later); 2 for bad
arguments.`

export async function runInvite(argv: string[], io: CommandIO, env: Env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      csv: { type: 'string' },
      'data-columns': { type: 'string' },
      data: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      token: { type: 'string' },
      'batch-size': { type: 'string' },
      concurrency: { type: 'string' },
      retries: { type: 'string' },
    },
  })
  if (values['data-columns'] && !values.csv) throw new UsageError('--data-columns names columns of --csv; pass --csv <file> too')
  const authorization = credentials(values, env)
  const base = parseData(values.data)
  const listed = [
    ...positionals.map((email) => ({ email: email.trim(), ...(base ? { data: base } : {}) })),
    ...(values.csv ? readCsv(values.csv, parseList(values['data-columns']), base, io) : []),
  ]
  if (listed.length === 0) throw new UsageError('name at least one address, or --csv <file>')
  const options = {
    url: bridgeUrl(values.url, env),
    authorization,
    batchSize: positiveInt(values['batch-size'], '--batch-size', 50),
    concurrency: positiveInt(values.concurrency, '--concurrency', 2),
    retries: values.retries === '0' ? 0 : positiveInt(values.retries, '--retries', 2),
    io,
  }

  // The bridge de-duplicates too; doing it here keeps one row's metadata from racing another's.
  const first = new Map<string, Invitee>()
  for (const invitee of listed) if (!first.has(invitee.email.toLowerCase())) first.set(invitee.email.toLowerCase(), invitee)
  const done = await runInvites([...first.values()], options)
  const byKey = new Map([...first.keys()].map((key, i) => [key, done[i]!]))
  const seen = new Set<string>()
  const lines: AddressLine[] = listed.map((invitee) => {
    const key = invitee.email.toLowerCase()
    if (seen.has(key)) return { email: invitee.email, outcome: 'duplicate', reason: 'listed earlier', done: true }
    seen.add(key)
    return byKey.get(key)!
  })

  for (const line of lines) io.out(`${line.outcome.padEnd(18)} ${line.email}${line.reason ? `  ${line.reason}` : ''}`)
  io.out(summary(lines))
  const left = lines.filter((line) => !line.done).length
  if (left) io.err(`${left} address${left === 1 ? ' is' : 'es are'} not done: run the same command again to finish (what is done will not be invited twice)`)
  return left ? 1 : 0
}

function parseData(raw: string | undefined): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined
  let data: unknown
  try {
    data = JSON.parse(raw)
  } catch {
    throw new UsageError(`--data must be a JSON object, e.g. '{"plan":"team"}'`)
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError(`--data must be a JSON object, e.g. '{"plan":"team"}'`)
  return data as Record<string, unknown>
}

function readCsv(path: string, columns: string[], base: Record<string, unknown> | undefined, io: CommandIO): Invitee[] {
  let records
  try {
    records = parseCsv(readFileSync(path === '-' ? 0 : resolve(path), 'utf8'))
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`)
  }
  const header = (records[0]?.fields ?? []).map((name) => name.trim())
  const find = (name: string) => header.findIndex((column) => column.toLowerCase() === name.toLowerCase())
  const emailAt = find('email')
  if (emailAt < 0) throw new UsageError(`${path} has no "email" column in its first line (columns: ${header.join(', ') || 'none'})`)
  const dataAt = columns.map((name) => {
    const at = find(name)
    if (at < 0) throw new UsageError(`--data-columns: ${path} has no "${name}" column (columns: ${header.join(', ')})`)
    return { name: header[at]!, at }
  })
  const invitees: Invitee[] = []
  for (const { line, fields } of records.slice(1)) {
    const email = fields[emailAt]?.trim() ?? ''
    if (!email) {
      io.err(`${path} line ${line}: no email, skipped`)
      continue
    }
    const data: Record<string, unknown> = { ...base }
    for (const { name, at } of dataAt) {
      const value = fields[at]?.trim()
      if (value) data[name] = value
    }
    invitees.push({ email, ...(Object.keys(data).length ? { data } : {}) })
  }
  return invitees
}

function summary(lines: AddressLine[]): string {
  const counts = new Map<string, number>()
  for (const line of lines) counts.set(line.outcome, (counts.get(line.outcome) ?? 0) + 1)
  return `${lines.length} address${lines.length === 1 ? '' : 'es'}: ${[...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ')}`
}

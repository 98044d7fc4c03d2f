import type { Env } from '../core/config/env.ts'
import { CHECK_CONFIG_HELP, runCheckConfig } from './check-config.ts'
import { EVENTS_HELP, runEvents } from './events.ts'
import { EXPLAIN_HELP, runExplain } from './explain.ts'
import { INVITE_HELP, runInvite } from './invite.ts'
import { REPLAY_HELP, runReplay } from './replay.ts'
import { runSend, SEND_HELP } from './send.ts'
import { UsageError, type CommandIO } from './usage.ts'

const MAIN_HELP = `Usage: invite-bridge <command> [options]

Commands:
  send          sign and post a test webhook delivery to the bridge (like
                \`stripe trigger\`, offline)
  invite        invite addresses (arguments or a CSV file) through the
                bridge's POST /invites, each person once
  check-config  validate the rules file and print the rules as the bridge
                applies them (Netlify's build runs it)
  explain       show which rules a webhook payload matches and what the
                bridge would do with it, writing nothing
  events        list the bridge's event log, or show one event (what came
                in, what became of it, what is pending or dead)
  replay        run a dead (or pending) event again, through the same claims

Run \`invite-bridge <command> --help\` for a command's options.
The bridge itself runs with \`npm start\` (see README.md).`

const COMMANDS: Record<string, { run: (argv: string[], io: CommandIO, env: Env) => Promise<number>; help: string }> = {
  send: { run: runSend, help: SEND_HELP },
  invite: { run: runInvite, help: INVITE_HELP },
  'check-config': { run: runCheckConfig, help: CHECK_CONFIG_HELP },
  explain: { run: runExplain, help: EXPLAIN_HELP },
  events: { run: runEvents, help: EVENTS_HELP },
  replay: { run: runReplay, help: REPLAY_HELP },
}

/** The CLI, as a function of its arguments: returns the exit status. */
export async function main(argv: string[], io: CommandIO, env: Env): Promise<number> {
  const [command, ...rest] = argv
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined
    io.out(topic && COMMANDS[topic] ? COMMANDS[topic].help : MAIN_HELP)
    return command ? 0 : 2
  }
  const entry = COMMANDS[command]
  if (!entry) {
    io.err(`invite-bridge: unknown command "${command}" (try --help)`)
    return 2
  }
  // Help is answered here for every command, before its own arguments are checked.
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(entry.help)
    return 0
  }
  try {
    return await entry.run(rest, io, env)
  } catch (error) {
    // parseArgs throws TypeError with code ERR_PARSE_ARGS_* for unknown or malformed options.
    const isUsage = error instanceof UsageError || String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS')
    io.err(`invite-bridge ${command}: ${(error as Error).message}`)
    return isUsage ? 2 : 1
  }
}

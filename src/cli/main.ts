import type { Env } from '../core/config.ts'
import { INVITE_HELP, runInvite } from './invite.ts'
import { runSend, SEND_HELP } from './send.ts'
import { UsageError, type CommandIO } from './usage.ts'

export const MAIN_HELP = `Usage: invite-bridge <command> [options]

Commands:
  send     sign and post a test webhook delivery to the bridge (like
           \`stripe trigger\`, offline)
  invite   invite addresses (arguments or a CSV file) through the bridge's
           POST /invites, each person once

Run \`invite-bridge <command> --help\` for a command's options.
The bridge itself runs with \`npm start\` (see README.md).`

const COMMANDS: Record<string, { run: (argv: string[], io: CommandIO, env: Env) => Promise<number>; help: string }> = {
  send: { run: runSend, help: SEND_HELP },
  invite: { run: runInvite, help: INVITE_HELP },
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
  try {
    return await entry.run(rest, io, env)
  } catch (error) {
    // parseArgs throws TypeError with code ERR_PARSE_ARGS_* for unknown or malformed options.
    const isUsage = error instanceof UsageError || String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS')
    io.err(`invite-bridge ${command}: ${(error as Error).message}`)
    return isUsage ? 2 : 1
  }
}

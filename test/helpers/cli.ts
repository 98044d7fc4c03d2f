import { main } from '../../src/cli/main.ts'
import type { Env } from '../../src/core/config/env.ts'

export interface CliRun {
  status: number
  out: string[]
  err: string[]
  /** The status lines drawn in place, when run as on a terminal (`tty`); null clears the line. */
  progress: Array<string | null>
}

/** The CLI run in this process as a shell would run it: its exit status, and its stdout and stderr lines kept apart. */
export async function runCli(argv: string[], env: Env, options: { tty?: boolean } = {}): Promise<CliRun> {
  const out: string[] = []
  const err: string[] = []
  const progress: Array<string | null> = []
  const io = { out: (line: string) => out.push(line), err: (line: string) => err.push(line), ...(options.tty ? { progress: (line: string | null) => progress.push(line) } : {}) }
  const status = await main(argv, io, env)
  return { status, out, err, progress }
}

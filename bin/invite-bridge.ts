#!/usr/bin/env -S node --experimental-strip-types --disable-warning=ExperimentalWarning
import { main } from '../src/cli/main.ts'
import type { CommandIO } from '../src/cli/usage.ts'

// A progress line that redraws in place only makes sense on a terminal; piped stderr gets plain lines.
const progress: CommandIO['progress'] = process.stderr.isTTY
  ? (line) => void process.stderr.write(line === null ? '\r\x1b[K' : `\r\x1b[K${line.slice(0, (process.stderr.columns || 80) - 1)}`)
  : undefined

process.exitCode = await main(
  process.argv.slice(2),
  { out: (line) => console.log(line), err: (line) => console.error(line), ...(progress ? { progress } : {}) },
  process.env,
)

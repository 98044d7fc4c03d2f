#!/usr/bin/env -S node --experimental-strip-types --disable-warning=ExperimentalWarning
import { main } from '../src/cli/main.ts'

process.exitCode = await main(process.argv.slice(2), { out: (line) => console.log(line), err: (line) => console.error(line) }, process.env)

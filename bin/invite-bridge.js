#!/usr/bin/env node
// What the `invite-bridge` command runs. Installed from the package, it is the
// built CLI (Node will not strip types under node_modules). In a clone of the
// repository, where src/ sits beside bin/, it is the sources, so a stale
// dist/ never answers there.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

if (existsSync(new URL('../src/cli/main.ts', import.meta.url))) {
  const source = new URL('./invite-bridge.ts', import.meta.url).pathname
  const child = spawnSync(process.execPath, ['--experimental-strip-types', '--disable-warning=ExperimentalWarning', source, ...process.argv.slice(2)], { stdio: 'inherit' })
  process.exitCode = child.status ?? 1
} else {
  await import('../dist/bin/invite-bridge.js')
}

import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { beforeAll, describe, expect, it } from 'vitest'

import { SENDER_RUNTIMES } from '../../src/handlers/registry.ts'
import { SENDERS } from '../../src/handlers/senders.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/*
 * The function as Netlify bundles it (our sources into one file, packages
 * left as imports: see "Performance" in the README), asked what went in.
 * Everything in it is parsed on every cold start.
 */
let inputs: string[]
let packages: string[]

beforeAll(async () => {
  const result = await build({
    entryPoints: [join(ROOT, 'netlify', 'functions', 'invite-bridge.ts')],
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: ['node22'],
    write: false,
    outdir: join(ROOT, 'out'),
    metafile: true,
    logLevel: 'silent',
  })
  inputs = Object.keys(result.metafile.inputs)
  packages = Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((entry) => entry.external).map((entry) => entry.path))
})

describe('the two lists of built-in senders', () => {
  it('SENDERS is SENDER_RUNTIMES with tools, in the same order: the CLI and npm start serve what the function serves', () => {
    expect(SENDERS.map((sender) => sender.name)).toEqual(SENDER_RUNTIMES.map((sender) => sender.name))
    SENDERS.forEach((sender, i) => {
      const runtime = SENDER_RUNTIMES[i]!
      expect({ receive: sender.receive, catalogue: sender.catalogue, readSettings: sender.readSettings, secretVariable: sender.secretVariable }).toEqual({
        receive: runtime.receive,
        catalogue: runtime.catalogue,
        readSettings: runtime.readSettings,
        secretVariable: runtime.secretVariable,
      })
      expect(sender.reads).toBe(runtime.reads)
      expect(Object.keys(sender.samples).length).toBeGreaterThan(0)
    })
  })
})

describe('the Netlify function bundle', () => {
  it('carries every sender a deployed bridge serves', () => {
    for (const sender of SENDER_RUNTIMES) expect(inputs).toContain(`src/handlers/${sender.name}/runtime.ts`)
    expect(inputs).toContain('src/handlers/defined/runtime.ts')
  })

  it("leaves out the senders' CLI tools: signers, samples and explainers", () => {
    const tools = inputs.filter((input) => /\/(sign|samples|explain)\.ts$|\/samples\/|sample-ids\.ts$|handlers\/senders\.ts$|defined\/sender\.ts$/.test(input))
    expect(tools).toEqual([])
  })

  it('imports no provider SDK, nor jose, nor the CLI', () => {
    expect(packages.filter((name) => /^(stripe|jose|@octokit\/webhooks$|@paddle|@polar-sh|@shopify|standardwebhooks)/.test(name))).toEqual([])
    expect(inputs.filter((input) => input.startsWith('src/cli/') || input.startsWith('src/local/') || input.startsWith('src/sandbox/'))).toEqual([])
  })
})

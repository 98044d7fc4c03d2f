import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadSendersFromFile } from '../../src/handlers/senders.ts'
import { SENDERS } from '../../src/handlers/senders.ts'
import { readRulesInput } from '../../src/rules/file.ts'
import { DEFAULT_RULES } from '../helpers/senders.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'invite-bridge-rules-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const rule = { source: 'github', events: ['organization.member_added'], match: { orgs: ['acme'] }, roles: ['staff'] }

describe('loading the rules file', () => {
  it('reads invite-bridge.config.json from the working directory', async () => {
    await writeFile(join(dir, 'invite-bridge.config.json'), JSON.stringify({ rules: [rule] }))
    const { rules, path } = await loadSendersFromFile({}, dir)
    expect(rules.rules).toEqual([rule])
    expect(path).toBe(join(dir, 'invite-bridge.config.json'))
  })

  it('reads the file INVITE_BRIDGE_CONFIG names', async () => {
    await writeFile(join(dir, 'other.json'), JSON.stringify({ rules: [rule] }))
    expect((await loadSendersFromFile({ INVITE_BRIDGE_CONFIG: 'other.json' }, dir)).rules.rules).toHaveLength(1)
  })

  it('imports a .ts file written with defineConfig', async () => {
    const load = fileURLToPath(new URL('../../src/rules/load.ts', import.meta.url))
    await writeFile(
      join(dir, 'invite-bridge.config.ts'),
      `import { defineConfig } from ${JSON.stringify(load)}\nexport default defineConfig({ rules: [${JSON.stringify(rule)}] })\n`,
    )
    expect((await loadSendersFromFile({ INVITE_BRIDGE_CONFIG: 'invite-bridge.config.ts' }, dir)).rules.rules).toEqual([rule])
  })

  it('names the file and the bad field when the file is invalid', async () => {
    await writeFile(join(dir, 'invite-bridge.config.json'), JSON.stringify({ rules: [{ ...rule, events: ['organization.renamed'] }] }))
    await expect(loadSendersFromFile({}, dir)).rejects.toThrow(/invite-bridge\.config\.json is not valid:\n {2}rules\[0\]\.events\[0\]/)
  })

  it('says so when the named file does not exist', async () => {
    await expect(readRulesInput({ INVITE_BRIDGE_CONFIG: 'missing.json' }, dir)).rejects.toThrow(/missing\.json does not exist/)
  })

  it('says so when the file is not JSON', async () => {
    await writeFile(join(dir, 'invite-bridge.config.json'), '{ rules: [ }')
    await expect(loadSendersFromFile({}, dir)).rejects.toThrow(/cannot be read/)
  })

  it('says so when a .ts file exports no default', async () => {
    await writeFile(join(dir, 'invite-bridge.config.ts'), 'export const rules = []\n')
    await expect(readRulesInput({ INVITE_BRIDGE_CONFIG: 'invite-bridge.config.ts' }, dir)).rejects.toThrow(/exports no default/)
  })

  it('falls back to the defaults only when no file was asked for and none is there', async () => {
    expect(await readRulesInput({}, dir)).toBeNull()
    expect(await loadSendersFromFile({}, dir)).toEqual({ senders: SENDERS, rules: DEFAULT_RULES, path: null })
    await expect(loadSendersFromFile({ INVITE_BRIDGE_CONFIG: 'missing.json' }, dir)).rejects.toThrow(/does not exist/)
  })
})

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadRulesFile, loadRulesOrDefaults } from '../../src/rules/file.ts'
import { CATALOGUES, DEFAULT_RULES } from '../helpers/senders.ts'

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
    const { rules, path } = await loadRulesFile({}, CATALOGUES, dir)
    expect(rules.rules).toEqual([rule])
    expect(path).toBe(join(dir, 'invite-bridge.config.json'))
  })

  it('reads the file INVITE_BRIDGE_CONFIG names', async () => {
    await writeFile(join(dir, 'other.json'), JSON.stringify({ rules: [rule] }))
    expect((await loadRulesFile({ INVITE_BRIDGE_CONFIG: 'other.json' }, CATALOGUES, dir)).rules.rules).toHaveLength(1)
  })

  it('imports a .ts file written with defineConfig', async () => {
    const load = fileURLToPath(new URL('../../src/rules/load.ts', import.meta.url))
    await writeFile(
      join(dir, 'invite-bridge.config.ts'),
      `import { defineConfig } from ${JSON.stringify(load)}\nexport default defineConfig({ rules: [${JSON.stringify(rule)}] })\n`,
    )
    expect((await loadRulesFile({ INVITE_BRIDGE_CONFIG: 'invite-bridge.config.ts' }, CATALOGUES, dir)).rules.rules).toEqual([rule])
  })

  it('names the file and the bad field when the file is invalid', async () => {
    await writeFile(join(dir, 'invite-bridge.config.json'), JSON.stringify({ rules: [{ ...rule, events: ['organization.renamed'] }] }))
    await expect(loadRulesFile({}, CATALOGUES, dir)).rejects.toThrow(/invite-bridge\.config\.json is not valid:\n {2}rules\[0\]\.events\[0\]/)
  })

  it('says so when the named file does not exist', async () => {
    await expect(loadRulesFile({ INVITE_BRIDGE_CONFIG: 'missing.json' }, CATALOGUES, dir)).rejects.toThrow(/missing\.json does not exist/)
  })

  it('says so when the file is not JSON', async () => {
    await writeFile(join(dir, 'invite-bridge.config.json'), '{ rules: [ }')
    await expect(loadRulesFile({}, CATALOGUES, dir)).rejects.toThrow(/cannot be read/)
  })

  it('falls back to the defaults only when no file was asked for and none is there', async () => {
    expect((await loadRulesOrDefaults({}, CATALOGUES, dir)).rules).toEqual(DEFAULT_RULES)
    await expect(loadRulesOrDefaults({ INVITE_BRIDGE_CONFIG: 'missing.json' }, CATALOGUES, dir)).rejects.toThrow(/does not exist/)
  })
})

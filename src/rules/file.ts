import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Env } from '../core/config/env.ts'
import { RulesError } from '../core/domain/errors.ts'
import { defaultRules, parseRules } from './load.ts'
import type { Catalogues } from './match.ts'
import type { RulesFile } from './schema.ts'

export const RULES_FILE_NAME = 'invite-bridge.config.json'

/**
 * The rules for the local server and the CLI: INVITE_BRIDGE_CONFIG, else
 * invite-bridge.config.json in the working directory. A `.ts`/`.js` file
 * (with `defineConfig`) is imported; JSON is read. (The Netlify function
 * bundles the JSON file instead: it has no file system to read at run time.)
 */
export async function loadRulesFile(env: Env, catalogues: Catalogues, cwd = process.cwd()): Promise<{ rules: RulesFile; path: string }> {
  const path = resolve(cwd, env.INVITE_BRIDGE_CONFIG?.trim() || RULES_FILE_NAME)
  let input: unknown
  try {
    input = /\.(c|m)?[jt]s$/.test(path)
      ? ((await import(pathToFileURL(path).href)) as { default: unknown }).default
      : JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    const code = (error as { code?: string }).code
    throw new RulesError(
      code === 'ENOENT' || code === 'ERR_MODULE_NOT_FOUND'
        ? `Rules file ${path} does not exist (set INVITE_BRIDGE_CONFIG or create ${RULES_FILE_NAME})`
        : `Rules file ${path} cannot be read: ${(error as Error).message}`,
    )
  }
  return { rules: parseRules(input, catalogues, path), path }
}

/**
 * What the local server and the CLI run on: the rules file, or the defaults
 * (path null) when none was asked for and invite-bridge.config.json is not in `cwd`.
 */
export async function loadRulesOrDefaults(env: Env, catalogues: Catalogues, cwd = process.cwd()): Promise<{ rules: RulesFile; path: string | null }> {
  if (!env.INVITE_BRIDGE_CONFIG?.trim() && !existsSync(resolve(cwd, RULES_FILE_NAME))) return { rules: defaultRules(catalogues), path: null }
  return loadRulesFile(env, catalogues, cwd)
}

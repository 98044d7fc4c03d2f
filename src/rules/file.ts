import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Env } from '../core/config/env.ts'
import { RulesError } from '../core/domain/errors.ts'

export const RULES_FILE_NAME = 'invite-bridge.config.json'

/**
 * The rules file's contents, unchecked, for the local server and the CLI:
 * INVITE_BRIDGE_CONFIG, else invite-bridge.config.json in the working
 * directory; null when none was asked for and that file is not there (the
 * defaults apply). A `.ts`/`.js` file (with `defineConfig`) is imported;
 * JSON is read. (The Netlify function bundles the JSON file instead: it has
 * no file system to read at run time.) The senders' loader checks it.
 */
export async function readRulesInput(env: Env, cwd = process.cwd()): Promise<{ input: unknown; path: string } | null> {
  if (!env.INVITE_BRIDGE_CONFIG?.trim() && !existsSync(resolve(cwd, RULES_FILE_NAME))) return null
  const path = resolve(cwd, env.INVITE_BRIDGE_CONFIG?.trim() || RULES_FILE_NAME)
  try {
    const input: unknown = /\.(c|m)?[jt]s$/.test(path)
      ? ((await import(pathToFileURL(path).href)) as { default: unknown }).default
      : JSON.parse(await readFile(path, 'utf8'))
    if (input === undefined) throw new Error('it exports no default (export default defineConfig({ … }))')
    return { input, path }
  } catch (error) {
    const code = (error as { code?: string }).code
    throw new RulesError(
      code === 'ENOENT' || code === 'ERR_MODULE_NOT_FOUND'
        ? `Rules file ${path} does not exist (set INVITE_BRIDGE_CONFIG or create ${RULES_FILE_NAME})`
        : `Rules file ${path} cannot be read: ${(error as Error).message}`,
    )
  }
}

import { parseList, type Env } from '../core/config/env.ts'
import { UsageError } from './usage.ts'

/** The options text every command that signs in to the bridge shares. */
export const CREDENTIAL_OPTIONS = `  --key <key>             an INVITE_API_KEYS key (default: $INVITE_API_KEY, else
                          the first of $INVITE_API_KEYS); prefer the environment,
                          since arguments show in \`ps\`
  --token <jwt>           a site admin's Identity access token instead of a key
                          (default: $INVITE_TOKEN)`

/** `Authorization` for the bridge's guarded routes: --key or --token, else the environment. */
export function credentials(values: { key?: string | undefined; token?: string | undefined }, env: Env): string {
  if (values.key && values.token) throw new UsageError('--key and --token are two ways to sign in: pass one')
  const secret = values.key ?? values.token ?? (env.INVITE_API_KEY?.trim() || parseList(env.INVITE_API_KEYS)[0] || env.INVITE_TOKEN?.trim())
  if (!secret) throw new UsageError('no credentials: set INVITE_API_KEY (one of the bridge\'s INVITE_API_KEYS), or pass --key or --token')
  return `Bearer ${secret}`
}

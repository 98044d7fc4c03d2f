import type { Env } from '../core/config/env.ts'
import { readRulesInput } from '../rules/file.ts'
import { definedSender } from './defined/sender.ts'
import { githubSender } from './github/index.ts'
import { lemonSqueezySender } from './lemonsqueezy/index.ts'
import { loadSendersOf, type LoadOptions, type SenderKind, type SendersAndRules } from './load-senders.ts'
import { paddleSender } from './paddle/index.ts'
import { polarSender } from './polar/index.ts'
import type { Sender } from './sender.ts'
import { shopifySender } from './shopify/index.ts'
import { stripeSender } from './stripe/index.ts'

/**
 * The senders the bridge ships, with the tools `send`, `explain` and the
 * tests use; the same order as SENDER_RUNTIMES, which the function serves.
 */
export const SENDERS: readonly Sender[] = [stripeSender, githubSender, polarSender, lemonSqueezySender, paddleSender, shopifySender]

const KITS: SenderKind<Sender> = { builtIn: SENDERS, define: definedSender }

/** loadSenderRuntimes, with each sender's tools: for the CLI, `npm start` and tests. */
export function loadSenders(input: unknown, options: LoadOptions<Sender> = {}): SendersAndRules<Sender> {
  return loadSendersOf(KITS, input, options)
}

/** The local server's and the CLI's: the rules file (INVITE_BRIDGE_CONFIG, else ./invite-bridge.config.json) or none; path null = the defaults. */
export async function loadSendersFromFile(env: Env, cwd = process.cwd()): Promise<SendersAndRules<Sender> & { path: string | null }> {
  const file = await readRulesInput(env, cwd)
  return { ...loadSenders(file?.input, file ? { origin: file.path } : {}), path: file?.path ?? null }
}

/**
 * `invite-bridge`: the bridge as a library, for hosts other than a Netlify
 * Function (a Node server, or any runtime Hono serves). `createApp(deps)` is
 * the whole bridge; the rest is what its deps are built from. A Netlify site
 * wants `invite-bridge/netlify` instead; the SQLite store (node:sqlite, Node
 * only) is `invite-bridge/sqlite`, so this entry loads on any Hono host.
 */
export { createApp, type AppDeps } from './app.ts'

export { loadConfig, type BridgeConfig, type IdentitySettings, type SenderConfig } from './core/config/config.ts'
export type { Env } from './core/config/env.ts'

export { SENDER_RUNTIMES, cataloguesOf, findSender } from './handlers/registry.ts'
export { SENDERS, loadSenders, loadSendersFromFile } from './handlers/senders.ts'
export type { Sender, SenderRuntime } from './handlers/sender.ts'
export { createSupabaseClient } from './core/clients/supabase-client.ts'

export { defineConfig, defaultRules, parseRules } from './rules/load.ts'
export { readRulesInput, RULES_FILE_NAME } from './rules/file.ts'
export { loadSenderRuntimes, type SendersAndRules } from './handlers/load-senders.ts'
export type { Rule, RulesFile } from './rules/schema.ts'

export type { CreateResult, KeyValueStore, ReplaceResult, StoredRecord } from './core/exactly-once/store.ts'
export { createMemoryStore } from './core/exactly-once/memory-store.ts'
export { createBlobsStore, openNetlifyBlobsStore, type NetlifyBlobsStoreOptions } from './stores/blobs-store.ts'

export { createGoTrueClient, type GoTrueClientOptions } from './core/clients/gotrue-client.ts'
export { resolveIdentityTarget } from './core/clients/identity-target.ts'
export type { IdentityClient, IdentityTarget, IdentityUser, InviteResult, RuntimeIdentity } from './core/domain/identity.ts'

export { BridgeError, ConfigError, RulesError, StartupError, errorAnswer, type ErrorCode } from './core/domain/errors.ts'
export { jsonLineLogger, type LogFields, type Logger } from './core/domain/log.ts'

import type { BridgeConfig, SenderConfig } from '../core/config/config.ts'
import type { SenderCatalogue } from '../core/domain/catalogue.ts'
import { githubRuntime } from './github/runtime.ts'
import { lemonSqueezyRuntime } from './lemonsqueezy/runtime.ts'
import { paddleRuntime } from './paddle/runtime.ts'
import { polarRuntime } from './polar/runtime.ts'
import type { SenderRuntime } from './sender.ts'
import { shopifyRuntime } from './shopify/runtime.ts'
import { stripeRuntime } from './stripe/runtime.ts'

/**
 * The senders the bridge ships, as a deployed bridge runs them (the CLI's
 * SENDERS, in senders.ts, adds their tools). Adding one is adding a folder
 * and a line here and there: routes, the rules schema, `send`, the API-key
 * check, `/health` and the startup banner all follow from these lists.
 */
export const SENDER_RUNTIMES: readonly SenderRuntime[] = [stripeRuntime, githubRuntime, polarRuntime, lemonSqueezyRuntime, paddleRuntime, shopifyRuntime]

export function cataloguesOf(senders: readonly SenderRuntime[]): SenderCatalogue[] {
  return senders.map((sender) => sender.catalogue)
}

export function findSender<S extends SenderRuntime>(senders: readonly S[], name: string): S | undefined {
  return senders.find((sender) => sender.name === name)
}

/**
 * What the settings make of each sender: whether it is on (its secret is
 * set) and whether its API can be read (its key is set), for the app and
 * `check-config`. `npm start`, which asks before the settings are read,
 * asks canReadApi directly, as hasApiKey does.
 */
export interface SenderStates {
  config(sender: SenderRuntime): SenderConfig
  enabled(source: string): boolean
  hasApiKey(source: string): boolean
}

export function senderStates(senders: readonly SenderRuntime[], config: Pick<BridgeConfig, 'senders'>): SenderStates {
  // A sender the settings were not read for has no secret: it is off, like one whose variable is unset.
  const configOf = (sender: SenderRuntime): SenderConfig => config.senders[sender.name] ?? { secrets: [], settings: sender.readSettings({}) }
  const named = (source: string) => findSender(senders, source)
  return {
    config: configOf,
    enabled: (source) => {
      const sender = named(source)
      return sender !== undefined && configOf(sender).secrets.length > 0
    },
    hasApiKey: (source) => {
      const sender = named(source)
      return sender !== undefined && canReadApi(sender, configOf(sender).settings)
    },
  }
}

/** Can the sender read its own API with these settings (is its key set)? Building the reads does no I/O. */
export function canReadApi(sender: SenderRuntime, settings: unknown): boolean {
  return Boolean(sender.reads?.(settings, fetch))
}

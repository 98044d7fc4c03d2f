import type { BridgeConfig, SenderConfig } from '../core/config/config.ts'
import type { SenderCatalogue } from '../core/domain/catalogue.ts'
import { githubSender } from './github/index.ts'
import { lemonSqueezySender } from './lemonsqueezy/index.ts'
import { polarSender } from './polar/index.ts'
import { paddleSender } from './paddle/index.ts'
import type { Sender } from './sender.ts'
import { shopifySender } from './shopify/index.ts'
import { stripeSender } from './stripe/index.ts'

/**
 * The senders the bridge ships. Adding one is adding a folder and a line
 * here: routes, the rules schema, `send`, the API-key check, `/health` and
 * the startup banner all follow from this list.
 */
export const SENDERS: readonly Sender[] = [stripeSender, githubSender, polarSender, lemonSqueezySender, paddleSender, shopifySender]

export function cataloguesOf(senders: readonly Sender[]): SenderCatalogue[] {
  return senders.map((sender) => sender.catalogue)
}

export function findSender(senders: readonly Sender[], name: string): Sender | undefined {
  return senders.find((sender) => sender.name === name)
}

/**
 * What the settings make of each sender: whether it is on (its secret is
 * set) and whether its API can be read (its key is set). The app, `npm
 * start` and `check-config` all ask these two questions the same way.
 */
export interface SenderStates {
  config(sender: Sender): SenderConfig
  enabled(source: string): boolean
  hasApiKey(source: string): boolean
}

export function senderStates(senders: readonly Sender[], config: Pick<BridgeConfig, 'senders'>): SenderStates {
  // A sender the settings were not read for has no secret: it is off, like one whose variable is unset.
  const configOf = (sender: Sender): SenderConfig => config.senders[sender.name] ?? { secrets: [], settings: sender.readSettings({}) }
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
export function canReadApi(sender: Sender, settings: unknown): boolean {
  return Boolean(sender.reads?.(settings, fetch))
}

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

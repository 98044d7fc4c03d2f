import * as v from 'valibot'
import type { SenderCatalogue } from '../../core/domain/catalogue.ts'
import { itemsMatch, type MatchFacts, type PurchasedItem } from '../../core/domain/facts.ts'

/** The facts a Paddle event gives rules, under `facts.paddle`. */
export interface PaddleFacts {
  /** null while unknown: an adjustment names its transaction's items only by id, they are read from the API. */
  items: PurchasedItem[] | null
  /** From the PADDLE_SANDBOX setting: Paddle's notifications do not say which environment sent them. */
  sandbox: boolean
}

const Ids = (prefix: string) =>
  v.pipe(v.array(v.pipe(v.string(), v.startsWith(prefix, `Paddle ids here start with ${prefix}`))), v.minLength(1, 'list at least one id'))

const matchEntries = {
  prices: v.optional(Ids('pri_')),
  products: v.optional(Ids('pro_')),
  sandbox: v.optional(v.boolean()),
}

type PaddleMatch = v.InferOutput<v.ObjectSchema<typeof matchEntries, undefined>>

function paddleFacts(facts: MatchFacts): PaddleFacts | undefined {
  return facts.paddle as PaddleFacts | undefined
}

function matches(match: PaddleMatch, paddle: PaddleFacts | undefined): boolean {
  if (!paddle) return !Object.keys(match).length
  if (match.sandbox !== undefined && paddle.sandbox !== match.sandbox) return false
  return itemsMatch(paddle.items, match)
}

/** Paddle Billing's events, as the bridge reads them. */
export const paddleCatalogue: SenderCatalogue = {
  source: 'paddle',
  events: [
    {
      type: 'transaction.completed',
      meaning: 'a transaction was paid and fully processed (a checkout, or a subscription renewal)',
      about: 'the customer (a customer_id: the bridge reads the address from the Paddle API)',
      effect: 'grant',
      needs: ['person'],
      invitesByDefault: true,
    },
    {
      type: 'subscription.canceled',
      meaning: 'a subscription ended',
      about: 'the customer whose subscription ended (a customer_id)',
      effect: 'revoke',
      needs: ['person'],
    },
    {
      type: 'adjustment.created',
      meaning: 'a refund, credit or chargeback was raised on a transaction; counts only as an approved full refund',
      about: 'the refunded customer (a customer_id)',
      effect: 'revoke',
      needs: ['person', 'items'],
    },
    {
      type: 'adjustment.updated',
      meaning: 'an adjustment changed status (a refund approved after review); counts only as an approved full refund',
      about: 'the refunded customer (a customer_id)',
      effect: 'revoke',
      needs: ['person', 'items'],
    },
  ],
  matchEntries,
  matches: (match, facts) => matches(match as PaddleMatch, paddleFacts(facts)),
  itemKeys: ['prices', 'products'],
  itemsMissing: (facts) => paddleFacts(facts)?.items === null,
  withItems: (facts, items) => ({ ...facts, paddle: { ...paddleFacts(facts)!, items } }),
  api: {
    keyVariable: 'PADDLE_API_KEY',
    needsMessage:
      "need the Paddle API (Paddle's events carry only a customer_id, never an address): set PADDLE_API_KEY to a key " +
      'with read access to customers and transactions, or unset PADDLE_WEBHOOK_SECRET to turn Paddle off',
  },
}

import type { MatchFacts } from '../../core/domain/facts.ts'
import type { SenderExplainer } from '../sender.ts'
import type { StripeFacts } from './catalogue.ts'
import { CHARGE, mapStripeEvent, type StripeEventLike } from './map.ts'

/** How `explain` reads a Stripe event from a file and says what it found. */
export const stripeExplainer: SenderExplainer = {
  delivery(payload, event) {
    if (event !== undefined) throw new Error('--event is for github: a Stripe event carries its own type')
    if (typeof payload.type !== 'string' || typeof payload.data?.object !== 'object' || payload.data.object === null) {
      throw new Error('not a Stripe event (it needs "type" and "data.object"): pass the whole event, not only its data.object')
    }
    return mapStripeEvent({ ...payload, id: typeof payload.id === 'string' ? payload.id : '(no id)' } as StripeEventLike)
  },
  facts(facts: MatchFacts, itemsRead: boolean) {
    const stripe = facts.stripe as StripeFacts | undefined
    if (!stripe) return '(none)'
    const { items, mode, livemode, metadata } = stripe
    const listed = items?.map((item) => `${item.price ?? '?'} (${item.product ?? '?'})`).join(', ')
    return [
      `items: ${items === null ? 'not in the event (read from the Stripe API only when a rule matches on them)' : `${listed || '(none)'}${itemsRead ? ', read from the Stripe API' : ''}`}`,
      `mode: ${mode ?? '(none)'}`,
      `livemode: ${livemode ?? '(unknown)'}`,
      `metadata: ${Object.entries(metadata).map(([key, value]) => `${key}=${String(value)}`).join(', ') || '(none)'}`,
    ].join('; ')
  },
  account: (account) =>
    account.startsWith(CHARGE)
      ? `the payer of Stripe charge ${account.slice(CHARGE.length)} (their email would be read from the Stripe API)`
      : `Stripe customer ${account} (their email would be read from the Stripe API)`,
  itemsUnreadable: (hasApi) =>
    hasApi
      ? 'it matches on prices or products, and the event names no checkout session to read the line items of'
      : 'it matches on prices or products, which a checkout event does not carry: set STRIPE_SECRET_KEY (a restricted read-only key) so the line items can be read',
}

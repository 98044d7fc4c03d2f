import type { MatchFacts } from '../../core/domain/facts.ts'
import type { SenderExplainer } from '../sender.ts'
import type { PaddleFacts } from './catalogue.ts'
import { mapPaddleEvent } from './map.ts'
import type { PaddleEventLike } from './verify.ts'

/** How `explain` reads a Paddle notification from a file and says what it found. */
export const paddleExplainer: SenderExplainer = {
  delivery(payload, event) {
    if (event !== undefined) throw new Error('--event is for github and shopify: a Paddle notification carries its own event_type')
    if (typeof payload.event_type !== 'string' || typeof payload.data !== 'object' || payload.data === null) {
      throw new Error('not a Paddle notification (it needs "event_type" and "data"): pass the whole notification, not only its data')
    }
    return mapPaddleEvent({ ...payload, event_id: typeof payload.event_id === 'string' ? payload.event_id : '(no id)' } as PaddleEventLike, { sandbox: false })
  },
  facts(facts: MatchFacts, itemsRead: boolean) {
    const paddle = facts.paddle as PaddleFacts | undefined
    if (!paddle) return '(none)'
    const listed = paddle.items?.map((item) => `${item.price ?? '?'} (${item.product ?? '?'})`).join(', ')
    return [
      `items: ${paddle.items === null ? 'not in the event (read from the Paddle API only when a rule matches on them)' : `${listed || '(none)'}${itemsRead ? ', read from the Paddle API' : ''}`}`,
      `sandbox: ${paddle.sandbox} (the bridge takes it from PADDLE_SANDBOX; explain reads a file as live)`,
    ].join('; ')
  },
  account: (customerId) => `Paddle customer ${customerId} (their email would be read from the Paddle API)`,
  itemsUnreadable: (hasApi) =>
    hasApi
      ? 'it matches on prices or products, and the adjustment names no transaction to read the items of'
      : 'it matches on prices or products, which an adjustment does not carry: set PADDLE_API_KEY so the refunded transaction can be read',
}

import type { Delivery } from '../../core/domain/delivery.ts'
import type { PurchasedItem } from '../../core/domain/facts.ts'
import type { PaddleFacts } from './catalogue.ts'
import type { PaddleEventLike } from './verify.ts'

type Loose = Record<string, any>

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined
}

/** Transaction and subscription items carry their price, and the price its product_id. */
export function paddleItems(items: unknown): PurchasedItem[] {
  return (Array.isArray(items) ? (items as Loose[]) : []).map((item) => {
    const price = text(item?.price?.id) ?? text(item?.price_id)
    const product = text(item?.price?.product_id) ?? text(item?.product?.id)
    return { ...(price ? { price } : {}), ...(product ? { product } : {}) }
  })
}

/**
 * What a verified Paddle notification says. Paddle names the person only by
 * customer_id (the address is read from its API) and never says whether it
 * came from the sandbox: that is the PADDLE_SANDBOX setting. Pure.
 */
export function mapPaddleEvent(event: PaddleEventLike, options: { sandbox: boolean }): Delivery {
  const data = event.data as Loose
  const occurredAt = typeof event.occurred_at === 'string' ? Date.parse(event.occurred_at) : Number.NaN
  const customer = text(data.customer_id)
  const base = {
    source: 'paddle' as const,
    eventId: event.event_id,
    // Inside the signed body. A replay from Paddle's dashboard or API, or a second destination, is a new
    // notification (another notification_id) of the same event: the same event, not a body to refuse.
    idSigned: true as const,
    eventType: event.event_type,
    ...(Number.isFinite(occurredAt) ? { occurredAt } : {}),
    recipient: customer ? { kind: 'account' as const, account: customer } : null,
    ...(customer ? { subject: customer } : {}),
  }
  const facts = (paddle: PaddleFacts) => ({ source: 'paddle' as const, event: event.event_type, paddle })

  switch (event.event_type) {
    case 'transaction.completed':
    case 'subscription.canceled':
      return { ...base, facts: facts({ items: paddleItems(data.items), sandbox: options.sandbox }) }
    case 'adjustment.created':
    case 'adjustment.updated': {
      const approvedRefund = data.action === 'refund' && data.status === 'approved'
      const transaction = text(data.transaction_id)
      const notCounted = !approvedRefund
        ? `adjustment is not an approved refund (action: ${text(data.action) ?? 'missing'}, status: ${text(data.status) ?? 'missing'})`
        : !isFullRefund(data)
          ? 'a partial refund: only a full refund counts'
          : undefined
      return {
        ...base,
        ...(notCounted ? { skip: notCounted } : {}),
        // Adjustment items point at transaction items by id: prices and products are read from the transaction when a rule needs them.
        facts: facts({ items: null, sandbox: options.sandbox }),
        ...(transaction ? { itemsFrom: transaction } : {}),
      }
    }
    default:
      return { ...base, skip: `event type ${event.event_type} does not invite anyone`, recipient: null, facts: { source: 'paddle', event: event.event_type } }
  }
}

/**
 * Paddle marks an adjustment `full` or `partial` (its `type`); payloads
 * without that field say it per item. Like a partial Stripe charge refund, a
 * partial one (a goodwill credit of part of the price) takes nothing away.
 */
function isFullRefund(data: Loose): boolean {
  if (data.type === 'full' || data.type === 'partial') return data.type === 'full'
  const items = Array.isArray(data.items) ? (data.items as Loose[]) : []
  return items.length > 0 && items.every((item) => item?.type === 'full')
}

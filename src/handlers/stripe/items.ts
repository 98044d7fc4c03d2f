import type { PurchasedItem } from '../../core/domain/facts.ts'

type Loose = Record<string, any>

function id(value: unknown): string | undefined {
  if (typeof value === 'string' && value) return value
  if (value && typeof value === 'object' && typeof (value as Loose).id === 'string') return (value as Loose).id
  return undefined
}

function item(price: unknown, product: unknown): PurchasedItem {
  const priceId = id(price)
  // An expanded price carries its product; a price id alone does not.
  const productId = id(product) ?? (price && typeof price === 'object' ? id((price as Loose).product) : undefined)
  return { ...(priceId ? { price: priceId } : {}), ...(productId ? { product: productId } : {}) }
}

/**
 * Invoice lines: the current API shape is `pricing.price_details.{price, product}`;
 * versions before 2025-03 put a Price object (or an old Plan) on `line.price`.
 * Each endpoint keeps its own API version, so both arrive.
 */
export function itemsFromInvoice(invoice: Loose): PurchasedItem[] {
  const lines: Loose[] = Array.isArray(invoice?.lines?.data) ? invoice.lines.data : []
  return lines.map((line) => {
    const details = line?.pricing?.price_details
    if (details) return item(details.price, details.product)
    return item(line?.price ?? line?.plan, undefined)
  })
}

/** Subscription items carry `price` (with its `product`); very old versions only `plan`. */
export function itemsFromSubscription(subscription: Loose): PurchasedItem[] {
  const items: Loose[] = Array.isArray(subscription?.items?.data) ? subscription.items.data : []
  return items.map((entry) => item(entry?.price ?? entry?.plan, undefined))
}

/** A Checkout Session's line items, as `checkout.sessions.listLineItems` returns them. */
export function itemsFromLineItems(lineItems: Loose[]): PurchasedItem[] {
  return lineItems.map((line) => item(line?.price, undefined))
}

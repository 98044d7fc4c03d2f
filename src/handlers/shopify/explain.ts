import type { MatchFacts } from '../../core/domain/facts.ts'
import type { SenderExplainer } from '../sender.ts'
import type { ShopifyFacts } from './catalogue.ts'
import { mapShopifyEvent } from './map.ts'

/** How `explain` reads a Shopify webhook body from a file and says what it found. */
export const shopifyExplainer: SenderExplainer = {
  delivery(payload, event) {
    if (!event) throw new Error('--event is required for shopify: the X-Shopify-Topic header, e.g. orders/paid')
    return mapShopifyEvent(event, 'local file', payload)
  },
  facts(facts: MatchFacts) {
    const shopify = facts.shopify as ShopifyFacts | undefined
    if (!shopify) return '(none)'
    const listed = shopify.items.map((item) => `product ${item.product ?? '?'} (variant ${item.variant ?? '?'})`).join(', ')
    return `items: ${listed || '(none)'}; test: ${shopify.test ?? '(unknown)'}`
  },
  account: (orderId) => `Shopify order ${orderId} (its buyer's email would be read from the Admin API)`,
}

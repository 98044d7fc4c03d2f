import type { MatchFacts } from '../../core/domain/facts.ts'
import type { SenderExplainer } from '../sender.ts'
import type { PolarFacts } from './catalogue.ts'
import { mapPolarEvent, type PolarPayload } from './map.ts'

/** How `explain` reads a Polar webhook body from a file and says what it found. */
export const polarExplainer: SenderExplainer = {
  delivery(payload, event) {
    if (event !== undefined) throw new Error('--event is for github: a Polar body carries its own type')
    if (typeof payload.type !== 'string' || typeof payload.data !== 'object' || payload.data === null) {
      throw new Error('not a Polar webhook body (it needs "type" and "data"): pass the whole body, as the webhook delivery shows it')
    }
    // The webhook-id is a header, not in the body.
    return mapPolarEvent('(local file)', payload as PolarPayload)
  },
  facts(facts: MatchFacts) {
    const polar = facts.polar as PolarFacts | undefined
    if (!polar) return '(none)'
    return `products: ${polar.products.join(', ') || '(none)'}; prices: ${polar.prices.join(', ') || '(none)'}`
  },
  account: (customerId) => `Polar customer ${customerId}`,
}

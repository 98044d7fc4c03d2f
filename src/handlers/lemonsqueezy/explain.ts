import type { MatchFacts } from '../../core/domain/facts.ts'
import type { SenderExplainer } from '../sender.ts'
import type { LemonSqueezyFacts } from './catalogue.ts'
import { lemonSqueezyEventId } from './event-id.ts'
import { mapLemonSqueezyEvent } from './map.ts'

/** How `explain` reads a Lemon Squeezy webhook body from a file and says what it found. */
export const lemonSqueezyExplainer: SenderExplainer = {
  delivery(payload, event) {
    if (event !== undefined) throw new Error('--event is for github: a Lemon Squeezy body names its event in meta.event_name')
    const eventName = payload.meta?.event_name
    if (typeof eventName !== 'string' || typeof payload.data !== 'object' || payload.data === null) {
      throw new Error('not a Lemon Squeezy webhook body (it needs "meta.event_name" and "data"): pass the whole body')
    }
    const verified = { eventName, meta: payload.meta as Record<string, any>, data: payload.data as Record<string, any> }
    return mapLemonSqueezyEvent(lemonSqueezyEventId(eventName, verified.data, JSON.stringify(payload)), verified)
  },
  facts(facts: MatchFacts) {
    const lemon = facts.lemonsqueezy as LemonSqueezyFacts | undefined
    if (!lemon) return '(none)'
    return `products: ${lemon.products.join(', ') || '(none)'}; variants: ${lemon.variants.join(', ') || '(none)'}; test_mode: ${lemon.testMode ?? '(unknown)'}`
  },
  account: (customerId) => `Lemon Squeezy customer ${customerId}`,
}

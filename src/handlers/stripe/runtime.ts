import { httpUrl, optional, positiveInteger, type Env } from '../../core/config/env.ts'
import { BadRequestError } from '../../core/domain/errors.ts'
import type { SenderRuntime } from '../sender.ts'
import { createStripeApi, type StripeApiSettings } from './api.ts'
import { stripeCatalogue } from './catalogue.ts'
import { CHARGE, mapStripeEvent } from './map.ts'
import { verifyStripeEvent } from './verify.ts'

export interface StripeSettings {
  /** Oldest accepted signature, in seconds (Stripe's own default is 300). */
  toleranceSeconds: number
  /** Reads rules may need (checkout line items, a subscription's customer); null without STRIPE_SECRET_KEY. */
  api: StripeApiSettings | null
}

function readStripeSettings(env: Env): StripeSettings {
  const secretKey = optional(env, 'STRIPE_SECRET_KEY')
  return {
    toleranceSeconds: positiveInteger(env, 'STRIPE_TOLERANCE_SECONDS', 300),
    api: secretKey
      ? {
          secretKey,
          apiUrl: httpUrl(env, 'STRIPE_API_URL', 'https://api.stripe.com')!,
          timeoutMs: positiveInteger(env, 'STRIPE_API_TIMEOUT_MS', 3000),
        }
      : null,
  }
}

/** What a deployed bridge runs of this sender; index.ts adds the CLI's tools. */
export const stripeRuntime: SenderRuntime<StripeSettings> = {
  name: 'stripe',
  secretVariable: 'STRIPE_WEBHOOK_SECRET',
  catalogue: stripeCatalogue,
  readSettings: readStripeSettings,
  async receive(request, config) {
    const event = await verifyStripeEvent(request, { secrets: config.secrets, toleranceSeconds: config.settings.toleranceSeconds })
    if (event === null || typeof event !== 'object' || typeof event.id !== 'string' || !event.id || typeof event.type !== 'string') {
      throw new BadRequestError('Signed Stripe event has no id or type', 'invalid_event')
    }
    return mapStripeEvent(event)
  },
  reads(settings, doFetch) {
    if (!settings.api) return null
    const api = createStripeApi(settings.api, doFetch)
    return {
      person: (account) => (account.startsWith(CHARGE) ? api.chargePayer(account.slice(CHARGE.length)) : api.customer(account)),
      items: (sessionId) => api.checkoutLineItems(sessionId),
    }
  },
}

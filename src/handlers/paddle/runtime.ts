import { flag, httpUrl, optional, positiveInteger, type Env } from '../../core/config/env.ts'
import type { SenderRuntime } from '../sender.ts'
import { createPaddleApi, type PaddleApiSettings } from './api.ts'
import { paddleCatalogue } from './catalogue.ts'
import { mapPaddleEvent } from './map.ts'
import { verifyPaddleEvent } from './verify.ts'

export interface PaddleSettings {
  /** Oldest accepted signature, in seconds. */
  toleranceSeconds: number
  /** PADDLE_SANDBOX: this endpoint is a sandbox notification destination (Paddle's payloads do not say). */
  sandbox: boolean
  /** Reads of the customer (and a refunded transaction's items); null without PADDLE_API_KEY. */
  api: PaddleApiSettings | null
}

function readPaddleSettings(env: Env): PaddleSettings {
  const sandbox = flag(env, 'PADDLE_SANDBOX')
  const apiKey = optional(env, 'PADDLE_API_KEY')
  return {
    toleranceSeconds: positiveInteger(env, 'PADDLE_TOLERANCE_SECONDS', 300),
    sandbox,
    api: apiKey
      ? {
          apiKey,
          apiUrl: httpUrl(env, 'PADDLE_API_URL', sandbox ? 'https://sandbox-api.paddle.com' : 'https://api.paddle.com')!,
          timeoutMs: positiveInteger(env, 'PADDLE_API_TIMEOUT_MS', 3000),
        }
      : null,
  }
}

/** What a deployed bridge runs of this sender; index.ts adds the CLI's tools. */
export const paddleRuntime: SenderRuntime<PaddleSettings> = {
  name: 'paddle',
  secretVariable: 'PADDLE_WEBHOOK_SECRET',
  catalogue: paddleCatalogue,
  readSettings: readPaddleSettings,
  async receive(request, config) {
    const event = verifyPaddleEvent(request, { secrets: config.secrets, toleranceSeconds: config.settings.toleranceSeconds })
    return mapPaddleEvent(event, { sandbox: config.settings.sandbox })
  },
  reads(settings, doFetch) {
    if (!settings.api) return null
    const api = createPaddleApi(settings.api, doFetch)
    return { person: (customerId) => api.customer(customerId), items: (transactionId) => api.transactionItems(transactionId) }
  },
}

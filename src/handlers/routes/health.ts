import type { Context } from 'hono'
import type { BridgeConfig } from '../../core/config/config.ts'

/** Liveness plus what is switched on; never a secret, a token or a URL with credentials. */
export function healthRoute(config: BridgeConfig) {
  return function health(c: Context) {
    return c.json({
      status: 'ok',
      sources: { stripe: config.stripe !== null, github: config.github !== null },
    })
  }
}

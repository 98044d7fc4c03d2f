import type { Context } from 'hono'

/** Liveness plus which senders are switched on; never a secret, a token or a URL with credentials. */
export function healthRoute(senders: ReadonlyArray<{ name: string; enabled: boolean }>) {
  const sources = Object.fromEntries(senders.map((sender) => [sender.name, sender.enabled]))
  return function health(c: Context) {
    return c.json({ status: 'ok', sources })
  }
}

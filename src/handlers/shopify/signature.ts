import { createHmac, timingSafeEqual } from 'node:crypto'

/** `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body, keyed with the app's client secret. */
export function shopifyHmac(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('base64')
}

/** Constant-time against each secret (rotation); a header that is not 32 bytes of base64 matches nothing. */
export function shopifyHmacMatches(body: string, header: string, secrets: readonly string[]): boolean {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(header)) return false
  const presented = Buffer.from(header, 'base64')
  return secrets.some((secret) => timingSafeEqual(Buffer.from(shopifyHmac(body, secret), 'base64'), presented))
}

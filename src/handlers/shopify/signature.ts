import { decodeHmac, hmacMatches, signHmacSha256 } from '../schemes/hmac-sha256.ts'

/** `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body, keyed with the app's client secret. */
const SHOPIFY_SCHEME = { signatureHeader: 'x-shopify-hmac-sha256', encoding: 'base64' } as const

export function shopifyHmac(body: string, secret: string): string {
  return signHmacSha256({ rawBody: body, secret, scheme: SHOPIFY_SCHEME })
}

/** Constant-time against each secret (rotation); a header that is not 32 bytes of padded base64 matches nothing. */
export function shopifyHmacMatches(body: string, header: string, secrets: readonly string[]): boolean {
  const presented = /^[A-Za-z0-9+/]{43}=$/.test(header) ? decodeHmac(header, SHOPIFY_SCHEME.encoding) : null
  return presented !== null && hmacMatches(body, presented, secrets)
}

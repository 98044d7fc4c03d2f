import '@shopify/shopify-api/adapters/web-api'
import { randomBytes } from 'node:crypto'
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api'
import { describe, expect, it } from 'vitest'
import { shopifySender } from '../../../src/handlers/shopify/index.ts'
import { verifyShopifyDelivery } from '../../../src/handlers/shopify/verify.ts'

// Shopify's library validates a delivery with the app's client secret; our signer must satisfy it, and our verifier must agree with it.
const clientSecret = () => randomBytes(16).toString('hex')

async function sdkAccepts(secret: string, init: { headers: Record<string, string>; body: string }): Promise<boolean> {
  const shopify = shopifyApi({
    apiKey: randomBytes(8).toString('hex'),
    apiSecretKey: secret,
    apiVersion: ApiVersion.July26,
    hostName: 'localhost',
    isEmbeddedApp: false,
    logger: { level: LogSeverity.Error, log: async () => {} },
  })
  const rawRequest = new Request('http://localhost/webhooks/shopify', { method: 'POST', headers: init.headers, body: init.body })
  const result = await shopify.webhooks.validate({ rawBody: init.body, rawRequest })
  return result.valid
}

function oursAccepts(secrets: string[], init: { headers: Record<string, string>; body: string }): boolean {
  try {
    verifyShopifyDelivery({ rawBody: init.body, headers: new Headers(init.headers), now: Date.now() }, secrets)
    return true
  } catch {
    return false
  }
}

const signed = (secret: string) => shopifySender.sign(shopifySender.samples['orders/paid']!({ email: 'ann@example.com' }), secret).init

describe("our Shopify signer and verifier agree with @shopify/shopify-api's webhooks.validate", () => {
  it('Shopify accepts what sign makes, with every header it requires, and so do we', async () => {
    const secret = clientSecret()
    const init = signed(secret)
    expect(await sdkAccepts(secret, init)).toBe(true)
    expect(oursAccepts([secret], init)).toBe(true)
  })

  it.each([
    ['a tampered body', (init: ReturnType<typeof signed>) => ({ ...init, body: init.body.replace('ann@', 'eve@') })],
    ['an HMAC made with another secret', (init: ReturnType<typeof signed>) => ({ ...init, headers: { ...init.headers, 'x-shopify-hmac-sha256': signed(clientSecret()).headers['x-shopify-hmac-sha256']! } })],
    ['no HMAC header', (init: ReturnType<typeof signed>) => ({ ...init, headers: Object.fromEntries(Object.entries(init.headers).filter(([name]) => name !== 'x-shopify-hmac-sha256')) })],
    ['an HMAC in hex instead of base64', (init: ReturnType<typeof signed>) => ({ ...init, headers: { ...init.headers, 'x-shopify-hmac-sha256': Buffer.from(init.headers['x-shopify-hmac-sha256']!, 'base64').toString('hex') } })],
  ])('both refuse %s', async (_, breakIt) => {
    const secret = clientSecret()
    const init = breakIt(signed(secret))
    expect(await sdkAccepts(secret, init)).toBe(false)
    expect(oursAccepts([secret], init)).toBe(false)
  })

  it('a rotated client secret: we accept deliveries signed with either secret we hold, as the library does with each', async () => {
    const [previous, current] = [clientSecret(), clientSecret()]
    for (const secret of [previous, current]) {
      const init = signed(secret)
      expect(await sdkAccepts(secret, init)).toBe(true)
      expect(oursAccepts([previous, current], init)).toBe(true)
    }
    expect(oursAccepts([current], signed(previous))).toBe(false)
  })
})

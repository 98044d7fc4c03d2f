import type { Sender } from '../sender.ts'
import { shopifyExplainer } from './explain.ts'
import { shopifySamples } from './samples.ts'
import { signShopify } from './sign.ts'
import { shopifyRuntime, type ShopifySettings } from './runtime.ts'

export type { ShopifySettings } from './runtime.ts'

/** The sender with the tools `send`, `explain` and the tests use (a signer, samples, an explainer); the function serves the runtime alone. */
export const shopifySender: Sender<ShopifySettings> = { ...shopifyRuntime, eventHeader: 'X-Shopify-Topic', sign: signShopify, samples: shopifySamples, explain: shopifyExplainer }

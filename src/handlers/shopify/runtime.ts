import { httpUrl, optional, positiveInteger, type Env } from '../../core/config/env.ts'
import { ConfigError } from '../../core/domain/errors.ts'
import type { SenderRuntime } from '../sender.ts'
import { createShopifyOrderReader, type ShopifyApiSettings } from './api.ts'
import { shopifyCatalogue } from './catalogue.ts'
import { mapShopifyEvent } from './map.ts'
import { verifyShopifyDelivery } from './verify.ts'

export interface ShopifySettings {
  /** Reading a refunded order's buyer; null without SHOPIFY_ADMIN_TOKEN. */
  api: ShopifyApiSettings | null
}

function readShopifySettings(env: Env): ShopifySettings {
  const adminToken = optional(env, 'SHOPIFY_ADMIN_TOKEN')
  if (!adminToken) return { api: null }
  const shop = optional(env, 'SHOPIFY_SHOP')
  if (shop !== undefined && !/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/i.test(shop)) {
    throw new ConfigError(`SHOPIFY_SHOP must be the store's myshopify.com domain, like acme.myshopify.com, got "${shop}"`)
  }
  const shopUrl = httpUrl(env, 'SHOPIFY_API_URL', shop && `https://${shop}`)
  if (!shopUrl) throw new ConfigError('SHOPIFY_ADMIN_TOKEN is set but SHOPIFY_SHOP is not: set it to the store (acme.myshopify.com)')
  return {
    api: {
      adminToken,
      shopUrl,
      apiVersion: optional(env, 'SHOPIFY_API_VERSION') ?? '2026-07',
      timeoutMs: positiveInteger(env, 'SHOPIFY_API_TIMEOUT_MS', 3000),
    },
  }
}

/** What a deployed bridge runs of this sender; index.ts adds the CLI's tools. */
export const shopifyRuntime: SenderRuntime<ShopifySettings> = {
  name: 'shopify',
  secretVariable: 'SHOPIFY_WEBHOOK_SECRET',
  catalogue: shopifyCatalogue,
  readSettings: readShopifySettings,
  async receive(request, config) {
    const { topic, webhookId, payload } = verifyShopifyDelivery(request, config.secrets)
    return mapShopifyEvent(topic, webhookId, payload)
  },
  reads(settings, doFetch) {
    if (!settings.api) return null
    return { person: createShopifyOrderReader(settings.api, doFetch) }
  },
}

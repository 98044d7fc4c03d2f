import type { Config, Context } from '@netlify/functions'
import type { Hono } from 'hono'
import { handle } from 'hono/netlify'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/core/config/config.ts'
import type { RuntimeIdentity } from '../../src/core/domain/identity.ts'
import { parseRules } from '../../src/rules/load.ts'
import { openNetlifyBlobsStore } from '../../src/stores/blobs-store.ts'
// Bundled into the function: it has no file system to read the rules from at run time.
import rulesFile from '../../invite-bridge.config.json' with { type: 'json' }

declare global {
  // Set by Netlify's runtime for the duration of a request when the site has Identity enabled.
  var netlifyIdentityContext: RuntimeIdentity | undefined
}

// Built on the first request rather than at import: the Blobs context and the
// environment are only guaranteed once the runtime invokes the function.
let handler: ((req: Request, context: Context) => Response | Promise<Response>) | undefined

function build(): (req: Request, context: Context) => Response | Promise<Response> {
  const app: Hono = createApp({
    config: loadConfig(process.env),
    store: openNetlifyBlobsStore(),
    rules: parseRules(rulesFile),
    runtimeIdentity: () => globalThis.netlifyIdentityContext ?? null,
  })
  return handle(app)
}

export default async function inviteBridge(req: Request, context: Context): Promise<Response> {
  try {
    handler ??= build()
  } catch (error) {
    // A bad setting is the site owner's to fix; say which one, and let the provider retry meanwhile.
    const message = error instanceof Error ? error.message : 'invalid configuration'
    return Response.json({ error: { code: 'invalid_configuration', message } }, { status: 503 })
  }
  return handler(req, context)
}

export const config: Config = {
  path: ['/webhooks/stripe', '/webhooks/github', '/invites', '/health'],
}

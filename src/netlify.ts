import type { Context } from '@netlify/functions'
import { createApp } from './app.ts'
import { loadConfig } from './core/config/config.ts'
import { StartupError } from './core/domain/errors.ts'
import type { RuntimeIdentity } from './core/domain/identity.ts'
import { loadSenderRuntimes } from './handlers/load-senders.ts'
import type { SenderRuntime } from './handlers/sender.ts'
import { openSiteStore } from './netlify-store.ts'

declare global {
  // Set by Netlify's runtime for the duration of a request when the site has Identity enabled.
  var netlifyIdentityContext: RuntimeIdentity | undefined
}

export type NetlifyHandler = (req: Request, context: Context) => Promise<Response>
// A site's function file types its `config` with this, without depending on @netlify/functions itself.
export type { Config, Context } from '@netlify/functions'
// The second, scheduled function a site adds for the bridge's own retries.
export { createNetlifySweeper } from './netlify-sweep.ts'

export interface NetlifyBridgeOptions {
  /** The site's rules file as imported JSON (it is bundled: a function has no file system to read at run time); its `sources` add senders. */
  rules?: unknown
  /** The built-in senders (default: SENDER_RUNTIMES; a Sender with its tools serves as well). */
  senders?: readonly SenderRuntime[]
}

/**
 * The whole bridge as a Netlify Function handler. Built on the first request
 * rather than at import: the Blobs context and the environment are only
 * guaranteed once the runtime invokes the function. A bad setting or rules
 * file answers 503 naming the problem (the provider retries meanwhile) and is
 * tried again on the next request.
 *
 * The function file exports this as its default and its own `config` with
 * the paths as a literal: Netlify reads `config` from the file's source
 * without running it, so a `config` imported or re-exported from here would
 * go unseen and the routes would not exist.
 */
export function createNetlifyHandler(options: NetlifyBridgeOptions = {}): NetlifyHandler {
  let handler: ((req: Request, context: Context) => Response | Promise<Response>) | undefined

  const build = () => {
    const { senders, rules } = loadSenderRuntimes(options.rules, options.senders ? { builtIn: options.senders } : {})
    const app = createApp({
      config: loadConfig(process.env, senders),
      store: openSiteStore(process.env),
      senders,
      rules,
      runtimeIdentity: () => globalThis.netlifyIdentityContext ?? null,
      afterAnswer: (c) => {
        const context = (c.env as { context?: Partial<Context> } | undefined)?.context
        if (!context?.waitUntil) return undefined
        // Started on the next turn of the event loop, once the answer has been handed back; the runtime stays for it.
        return (work) => context.waitUntil!(new Promise((resolve) => setImmediate(resolve)).then(work))
      },
    })
    // What hono/netlify's handle() does (deprecated there, moving to @hono/netlify): the context rides in env; three fewer files to load cold.
    return (req: Request, context: Context) => app.fetch(req, { context })
  }

  return async function inviteBridge(req, context) {
    try {
      handler ??= build()
    } catch (error) {
      const message = error instanceof StartupError ? error.message : 'the bridge could not start; see the function log'
      if (!(error instanceof StartupError)) console.error(error)
      return Response.json({ error: { code: 'invalid_configuration', message } }, { status: 503 })
    }
    return handler(req, context)
  }
}

import { Hono } from 'hono'
import { listen } from '../local/listen.ts'
import { createIdentitySandbox, type IdentitySandbox, type IdentitySandboxOptions } from './identity-sandbox.ts'

export interface ServedIdentitySandbox {
  sandbox: IdentitySandbox
  /** `http://127.0.0.1:PORT/.netlify/identity`, the identity URL a site would have. */
  url: string
  close(): Promise<void>
}

/** Runs the sandbox on loopback only (port 0 picks a free one), mounted where Netlify mounts Identity. */
export async function serveIdentitySandbox(options: IdentitySandboxOptions & { port?: number }): Promise<ServedIdentitySandbox> {
  const { port = 0, ...sandboxOptions } = options
  const sandbox = createIdentitySandbox(sandboxOptions)
  const root = new Hono()
  root.route('/.netlify/identity', sandbox.app)
  root.notFound((c) => c.text('404 page not found\n', 404))

  const listening = await listen((request, env) => root.fetch(request, env), { hostname: '127.0.0.1', port })
  return {
    sandbox,
    url: `http://127.0.0.1:${listening.port}/.netlify/identity`,
    // Idempotent: tests may close in a test body and again in afterEach.
    close: async () => {
      await listening.close()
      sandbox.close()
    },
  }
}

import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
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

  const { server, address } = await new Promise<{ server: Server; address: AddressInfo }>((resolve, reject) => {
    const server = serve({ fetch: root.fetch, hostname: '127.0.0.1', port }, (address) => resolve({ server, address })) as Server
    server.once('error', reject)
  })

  let closing: Promise<void> | undefined
  return {
    sandbox,
    url: `http://127.0.0.1:${address.port}/.netlify/identity`,
    // Idempotent: tests may close in a test body and again in afterEach.
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        // Keep-alive sockets would hold close() open until they time out.
        server.closeAllConnections()
      })),
  }
}

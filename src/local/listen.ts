import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'

export type FetchHandler = Parameters<typeof serve>[0]['fetch']

export interface Listening {
  /** The port really bound (port 0 asks for any free one). */
  port: number
  /** Stops listening and drops keep-alive sockets, which would otherwise hold close() open; safe to call twice. */
  close(): Promise<void>
}

const REQUEST_TIMEOUT_MS = 30_000

/** Serves a fetch handler on Node, resolving once the socket is bound. */
export async function listen(fetch: FetchHandler, options: { hostname: string; port: number }): Promise<Listening> {
  const { server, address } = await new Promise<{ server: Server; address: AddressInfo }>((resolve, reject) => {
    const server = serve({ fetch, hostname: options.hostname, port: options.port }, (address) => resolve({ server, address })) as Server
    server.once('error', reject)
    // A sender trickling a body holds part of the in-flight byte budget until it finishes: Node's
    // default of 300 s would let a few dozen slow clients turn everyone else away. Webhook bodies
    // arrive in well under this from any real sender.
    server.requestTimeout = REQUEST_TIMEOUT_MS
  })
  let closing: Promise<void> | undefined
  return {
    port: address.port,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })),
  }
}

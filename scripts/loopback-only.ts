/**
 * Preloaded (`node --import`) into `netlify functions:serve` by
 * scripts/test-netlify.ts: every server it starts listens on 127.0.0.1.
 *
 * netlify-cli has no host option: its functions server calls
 * `server.listen(port)` and its Netlify Blobs sandbox (`BlobsServer.start()`)
 * `listen(0)`, both on every interface. A test must not open ports to the
 * network, so a listen with no host, or with a wildcard host, is pinned to
 * loopback here. Unix sockets and explicit hosts are left as they are.
 */
import { Server } from 'node:net'

const WILDCARD = new Set(['', '0.0.0.0', '::', '[::]'])
const LOOPBACK = '127.0.0.1'

const listen = Server.prototype.listen as (this: Server, ...args: unknown[]) => Server

function isPort(value: unknown): boolean {
  return typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))
}

Server.prototype.listen = function listenOnLoopback(this: Server, ...args: unknown[]): Server {
  const [first, second] = args
  if (first === undefined || typeof first === 'function') {
    // listen() / listen(callback): a random port on every interface.
    return listen.call(this, 0, LOOPBACK, ...args.filter((arg) => arg !== undefined))
  }
  if (isPort(first)) {
    if (typeof second === 'string' && !WILDCARD.has(second)) return listen.apply(this, args)
    const rest = typeof second === 'string' ? args.slice(2) : args.slice(1)
    return listen.call(this, first, LOOPBACK, ...rest)
  }
  if (typeof first === 'object' && first !== null && !('path' in first) && !('fd' in first) && !('_handle' in first)) {
    const options = first as { host?: string }
    if (options.host === undefined || WILDCARD.has(options.host)) {
      return listen.call(this, { ...options, host: LOOPBACK }, ...args.slice(1))
    }
  }
  return listen.apply(this, args)
} as Server['listen']

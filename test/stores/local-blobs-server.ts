import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { serve } from '@hono/node-server'
import { getStore, type Store } from '@netlify/blobs'
import { BlobsServer } from '@netlify/blobs/server'

export interface LocalBlobsServer {
  /** What getStore needs to reach this server, the way `mode` says. */
  options(mode: 'api' | 'edge'): { siteID: string; token: string; apiURL?: string; edgeURL?: string; uncachedEdgeURL?: string }
  /** A strong-consistency store on this server. */
  store(name: string, mode: 'api' | 'edge'): Store
  stop(): Promise<void>
}

/**
 * Netlify's local Blobs server (the one behind `netlify dev`) on 127.0.0.1.
 * `BlobsServer.start()` listens on every interface and has no host option, so
 * its request handler is mounted on our own loopback listener instead; the
 * handler builds signed URLs from `address`, which start() would have set.
 * `onAnswered` hears of every request once answered, with the ms it took
 * (the bench counts store round trips and the time spent in them).
 */
export async function startLocalBlobsServer(
  hooks: { onAnswered?: (request: Request, elapsedMs: number) => void } = {},
): Promise<LocalBlobsServer> {
  const directory = await mkdtemp(join(tmpdir(), 'invite-bridge-blobs-'))
  const token = randomBytes(32).toString('hex')
  const blobs = new BlobsServer({ directory, token })
  const handle = (request: Request) => blobs['handleRequest'](request)
  const server = serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const started = performance.now()
      const response = await handle(request)
      // Its ETags hash the file's mtime at millisecond precision: two writes
      // in one millisecond would share an ETag. Holding each write's answer
      // for 2 ms keeps sequential writes apart; the hosted service has no such limit.
      if (request.method === 'PUT') await sleep(2)
      hooks.onAnswered?.(request, performance.now() - started)
      return response
    },
  })
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  blobs['address'] = url

  const options: LocalBlobsServer['options'] = (mode) => {
    // Strong reads over the edge URL need an uncached edge URL too; the API
    // URL path first asks for a signed URL, as on the hosted service.
    const urls = mode === 'api' ? { apiURL: url } : { edgeURL: url, uncachedEdgeURL: url }
    return { siteID: 'local-site', token, ...urls }
  }

  return {
    options,
    store: (name, mode) => getStore({ name, consistency: 'strong', ...options(mode) }),
    async stop() {
      await new Promise((resolve) => server.close(resolve))
      await rm(directory, { recursive: true, force: true })
    },
  }
}

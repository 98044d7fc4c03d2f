import { Agent, request } from 'node:http'
import { percentile } from './stats.ts'

export interface LoadResult {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  /** Answers by HTTP status, so a run that "went fast" by failing shows it. */
  statuses: Record<number, number>
}

export interface LoadRequest {
  url: string
  headers: Record<string, string>
  body: string
}

/**
 * Sends `total` copies of one POST with `concurrency` in flight, over
 * keep-alive sockets (one per worker): the same small client for every
 * server, so its own cost cancels out of the ratio.
 */
export async function postRepeatedly(target: LoadRequest, options: { concurrency: number; total: number }): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency })
  const url = new URL(target.url)
  const headers = { ...target.headers, 'content-length': String(Buffer.byteLength(target.body)) }
  const latencies: number[] = []
  const statuses: Record<number, number> = {}
  let started = 0

  const once = () =>
    new Promise<void>((resolve, reject) => {
      const sent = performance.now()
      const req = request({ agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, timeout: 30_000 }, (res) => {
        res.resume()
        res.once('end', () => {
          latencies.push(performance.now() - sent)
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1
          resolve()
        })
        res.once('error', reject)
      })
      req.once('timeout', () => req.destroy(new Error(`POST ${target.url} took over 30 s`)))
      req.once('error', reject)
      req.end(target.body)
    })

  const worker = async () => {
    while (started < options.total) {
      started++
      await once()
    }
  }

  const began = performance.now()
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker))
  } finally {
    agent.destroy()
  }
  const elapsedMs = performance.now() - began
  latencies.sort((a, b) => a - b)
  return {
    requestsPerSecond: (options.total / elapsedMs) * 1000,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    statuses,
  }
}

import { createHmac, timingSafeEqual } from 'node:crypto'

/** `Paddle-Signature: ts=<seconds>;h1=<hex>[;h1=<hex>…]`, read leniently: unknown keys (a future h2) are ignored. */
export interface PaddleSignatureHeader {
  ts: number
  h1: string[]
}

/** null when the header cannot be Paddle's: no single numeric ts, or no h1. */
export function parsePaddleSignature(header: string): PaddleSignatureHeader | null {
  const ts: string[] = []
  const h1: string[] = []
  for (const part of header.split(';')) {
    const at = part.indexOf('=')
    if (at < 0) continue
    const key = part.slice(0, at).trim()
    const value = part.slice(at + 1).trim()
    if (key === 'ts') ts.push(value)
    if (key === 'h1') h1.push(value)
  }
  if (ts.length !== 1 || !/^\d{1,12}$/.test(ts[0]!) || !h1.length) return null
  return { ts: Number(ts[0]), h1 }
}

/** HMAC-SHA256 of `${ts}:${body}` with the destination's secret key, hex: what Paddle puts in h1. */
export function paddleSignature(body: string, secret: string, ts: number): string {
  return createHmac('sha256', secret).update(`${ts}:${body}`, 'utf8').digest('hex')
}

/**
 * Does any h1 match any secret? Each comparison is constant-time; during a
 * rotation Paddle sends one h1 per active key, and we may hold several keys.
 */
export function anySignatureMatches(body: string, header: PaddleSignatureHeader, secrets: readonly string[]): boolean {
  const presented = header.h1.filter((h1) => /^[0-9a-f]{64}$/i.test(h1)).map((h1) => Buffer.from(h1, 'hex'))
  return secrets.some((secret) => {
    const expected = Buffer.from(paddleSignature(body, secret, header.ts), 'hex')
    return presented.some((candidate) => timingSafeEqual(expected, candidate))
  })
}

import { randomBytes } from 'node:crypto'
import { Paddle } from '@paddle/paddle-node-sdk'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { SignedRequest } from '../../../src/handlers/sender.ts'
import { paddleSignatureHeader } from '../../../src/handlers/paddle/sign.ts'
import { verifyPaddleEvent } from '../../../src/handlers/paddle/verify.ts'
import { paddleSender } from '../../../src/handlers/paddle/index.ts'

// Paddle's SDK ships only a verifier (it reads the clock itself): our signer must satisfy it, and our verifier must agree with it.
const paddle = new Paddle(`pdl_sdbx_apikey_${randomBytes(16).toString('hex')}`)
const secret = () => `pdl_ntfset_${randomBytes(13).toString('hex')}_${randomBytes(24).toString('base64url')}`
const NOW = Date.UTC(2026, 10, 1, 12, 0, 0)

async function sdkAccepts(body: string, key: string, header: string, now: number): Promise<boolean> {
  vi.useFakeTimers({ now, toFake: ['Date'] })
  try {
    return await paddle.webhooks.isSignatureValid(body, key, header)
  } finally {
    vi.useRealTimers()
  }
}

function oursAccepts(body: string, secrets: string[], header: string, now: number, toleranceSeconds = 300): boolean {
  const request: SignedRequest = { rawBody: body, headers: new Headers({ 'paddle-signature': header }), now }
  try {
    verifyPaddleEvent(request, { secrets, toleranceSeconds })
    return true
  } catch {
    return false
  }
}

const body = JSON.stringify(paddleSender.samples['transaction.completed']!({ email: 'ann@example.com' }).payload)

afterEach(() => vi.useRealTimers())

describe("our Paddle signer and verifier agree with Paddle's SDK", () => {
  it("accepts Paddle's own test vector (the SDK's webhooks-validator test)", () => {
    const header = 'ts=1698796800;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9'
    // The vector's body is not an event, so ours refuses it only after the signature held: as invalid_event, not invalid_signature.
    expect(() => verifyPaddleEvent({ rawBody: '{"data": ["1", "2"]}', headers: new Headers({ 'paddle-signature': header }), now: 1698796800_000 }, { secrets: ['VALID_SECRET'], toleranceSeconds: 5 }))
      .toThrow(expect.objectContaining({ code: 'invalid_event' }))
  })

  it('the SDK accepts what sign makes, and so do we', async () => {
    const key = secret()
    const { init } = paddleSender.sign({ eventName: 'transaction.completed', payload: JSON.parse(body) }, key, { now: NOW })
    const header = init.headers['paddle-signature']!
    expect(header).toMatch(/^ts=\d+;h1=[0-9a-f]{64}$/)
    expect(await sdkAccepts(init.body, key, header, NOW)).toBe(true)
    expect(oursAccepts(init.body, [key], header, NOW)).toBe(true)
  })

  it.each([
    ['a tampered body', (key: string) => ({ body: body.replace('ctm_', 'ctm_x'), header: paddleSignatureHeader(body, key, NOW), now: NOW })],
    ['another secret', (_key: string) => ({ body, header: paddleSignatureHeader(body, secret(), NOW), now: NOW })],
    ['a stale signature (10 minutes old)', (key: string) => ({ body, header: paddleSignatureHeader(body, key, NOW - 600_000), now: NOW })],
    ['a header without h1', (key: string) => ({ body, header: paddleSignatureHeader(body, key, NOW).replace('h1=', 'h2='), now: NOW })],
  ])('both refuse %s', async (_, make) => {
    const key = secret()
    const { body: sent, header, now } = make(key)
    expect(await sdkAccepts(sent, key, header, now).catch(() => false)).toBe(false)
    expect(oursAccepts(sent, [key], header, now)).toBe(false)
  })

  it("with the SDK's 5 s window we draw the same line it does; by default we allow 300 s", async () => {
    const key = secret()
    const header = paddleSignatureHeader(body, key, NOW)
    for (const [age, sdk] of [[5_000, true], [6_000, false], [60_000, false]] as const) {
      expect(await sdkAccepts(body, key, header, NOW + age)).toBe(sdk)
      expect(oursAccepts(body, [key], header, NOW + age, 5)).toBe(sdk)
      expect(oursAccepts(body, [key], header, NOW + age)).toBe(true)
    }
  })

  it('several h1 (a rotation): we accept whichever one is ours; the SDK reads only the last h1', async () => {
    const [current, previous] = [secret(), secret()]
    const header = paddleSignatureHeader(body, [current, previous], NOW)
    expect(header.split(';').filter((part) => part.startsWith('h1='))).toHaveLength(2)
    expect(oursAccepts(body, [current], header, NOW)).toBe(true)
    expect(oursAccepts(body, [previous], header, NOW)).toBe(true)
    expect(oursAccepts(body, [secret(), previous], header, NOW)).toBe(true)
    expect(await sdkAccepts(body, previous, header, NOW)).toBe(true)
    // A difference worth knowing, not a goal: the SDK's extractHeader keeps only the last h1.
    expect(await sdkAccepts(body, current, header, NOW)).toBe(false)
  })
})

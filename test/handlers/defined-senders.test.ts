import { randomBytes } from 'node:crypto'
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods'
import { describe, expect, it } from 'vitest'
import { SignatureError } from '../../src/core/domain/errors.ts'
import { readPointer, writePointer } from '../../src/handlers/defined/pointer.ts'
import { loadSenders } from '../../src/handlers/senders.ts'
import { signHmacSha256, verifyHmacSha256, type HmacScheme } from '../../src/handlers/schemes/hmac-sha256.ts'
import { SENDERS } from '../../src/handlers/senders.ts'

describe('JSON Pointers (RFC 6901)', () => {
  // The RFC's own example document, section 5.
  const document = JSON.parse('{"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\\\j":5,"k\\"l":6," ":7,"m~n":8}')
  it.each([
    ['/foo', ['bar', 'baz']],
    ['/foo/0', 'bar'],
    ['/', 0],
    ['/a~1b', 1],
    ['/c%d', 2],
    ['/e^f', 3],
    ['/g|h', 4],
    ['/i\\j', 5],
    ['/k"l', 6],
    ['/ ', 7],
    ['/m~0n', 8],
  ])('%s reads %j', (pointer, value) => {
    expect(readPointer(document, pointer)).toEqual(value)
  })

  it.each([['/foo/2'], ['/foo/-'], ['/foo/01'], ['/nope/deeper'], ['/__proto__'], ['/constructor']])('%s reads nothing', (pointer) => {
    expect(readPointer(document, pointer)).toBeUndefined()
  })

  it('writes through objects and arrays it creates, and refuses to replace what another field put there', () => {
    const body: Record<string, unknown> = {}
    writePointer(body, '/data/email', 'ann@example.com')
    writePointer(body, '/items/0/name', 'Ann')
    writePointer(body, '/a~1b', 1)
    expect(body).toEqual({ data: { email: 'ann@example.com' }, items: [{ name: 'Ann' }], 'a/b': 1 })
    expect(() => writePointer(body, '/data/email/first', 'x')).toThrow(/not an object/)
    expect(() => writePointer(body, '/data', 'x')).toThrow(/would replace/)
    writePointer(body, '/__proto__', 'plain')
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype)
    expect(readPointer(body, '/__proto__')).toBe('plain')
  })
})

describe('the hmac-sha256 scheme', () => {
  const secret = randomBytes(20).toString('hex')
  const body = '{"action":"created"}'
  const now = Date.now()
  const github: HmacScheme = { signatureHeader: 'X-Hub-Signature-256', encoding: 'hex', prefix: 'sha256=' }

  it("signs hex with a prefix exactly as GitHub does (Octokit's signer), and verifies Octokit's signature", async () => {
    const signature = signHmacSha256({ rawBody: body, secret, scheme: github })
    expect(signature).toBe(await octokitSign(secret, body))
    expect(await octokitVerify(secret, body, signature)).toBe(true)
    const headers = new Headers({ 'x-hub-signature-256': await octokitSign(secret, body) })
    expect(verifyHmacSha256({ rawBody: body, headers, secrets: ['an-old-one', secret], now, secretVariable: 'S' }, github)).toEqual({})
  })

  it('refuses the right digest in the wrong encoding, and an empty secret signing nothing', () => {
    const base64 = signHmacSha256({ rawBody: body, secret, scheme: { ...github, encoding: 'base64' } })
    const headers = new Headers({ 'x-hub-signature-256': base64 })
    expect(() => verifyHmacSha256({ rawBody: body, headers, secrets: [secret], now, secretVariable: 'S' }, github)).toThrow(SignatureError)
    const unkeyed = signHmacSha256({ rawBody: body, secret: '', scheme: github })
    expect(() =>
      verifyHmacSha256({ rawBody: body, headers: new Headers({ 'x-hub-signature-256': unkeyed }), secrets: ['', ' '], now, secretVariable: 'S' }, github),
    ).toThrow(SignatureError)
  })

  it('with a timestamp, signs "<seconds>.<body>" and refuses one outside the tolerance either way', () => {
    const scheme: HmacScheme = { signatureHeader: 'X-Sig', encoding: 'base64', timestamp: { header: 'X-Ts', toleranceSeconds: 60, signed: 'timestamp.body' } }
    const at = (ms: number) => {
      const timestamp = Math.floor(ms / 1000)
      return new Headers({ 'x-sig': signHmacSha256({ rawBody: body, secret, scheme, timestamp }), 'x-ts': String(timestamp) })
    }
    const check = (headers: Headers) => verifyHmacSha256({ rawBody: body, headers, secrets: [secret], now, secretVariable: 'S' }, scheme)
    expect(check(at(now - 30_000))).toEqual({ timestamp: Math.floor((now - 30_000) / 1000) })
    expect(() => check(at(now - 120_000))).toThrow(/old/)
    expect(() => check(at(now + 120_000))).toThrow(/future/)
  })
})

describe('loadSenders', () => {
  it('gives the built-in senders and the default rules when there is no file', () => {
    const { senders, rules } = loadSenders(undefined)
    expect(senders.map((sender) => sender.name)).toEqual(SENDERS.map((sender) => sender.name))
    expect(rules.rules.length).toBeGreaterThan(0)
  })

  it('reads a file without sources as before, and a defined sender’s events are the ones its rules name', () => {
    expect(loadSenders({ rules: [] }).senders).toHaveLength(SENDERS.length)
    const { senders } = loadSenders({
      sources: [{ name: 'acme', scheme: 'standard-webhooks', secretEnv: 'ACME_SECRET', eventType: '/type', email: '/email' }],
      rules: [
        { source: 'acme', events: ['paid', 'renewed'], roles: ['member'] },
        { source: 'acme', events: ['refunded'], revoke: ['member'] },
      ],
    })
    const acme = senders.at(-1)!
    expect(acme.catalogue.events.map((event) => [event.type, event.effect])).toEqual([
      ['paid', 'grant'],
      ['renewed', 'grant'],
      ['refunded', 'revoke'],
    ])
    expect(Object.keys(acme.samples)).toEqual(['paid', 'renewed', 'refunded'])
  })
})

import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BadRequestError, SignatureError } from '../../src/core/domain/errors.ts'
import { signStandardWebhook, standardWebhookKey, verifyStandardWebhook } from '../../src/handlers/schemes/standard-webhooks.ts'

// The reference library reads the clock itself: both verifiers are given the same "now".
const NOW = 1_765_000_000_000
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
})
afterEach(() => vi.useRealTimers())

const secret = () => `whsec_${randomBytes(32).toString('base64')}`
const BODY = JSON.stringify({ type: 'invoice.paid', data: { email: 'ann@example.com' } })

interface Message {
  body: string
  headers: Record<string, string>
}

/** A message signed by the `standardwebhooks` package itself, `ageSeconds` ago. */
function signed(withSecret: string, options: { ageSeconds?: number; id?: string } = {}): Message {
  const id = options.id ?? `msg_${randomBytes(8).toString('hex')}`
  const at = new Date(NOW - (options.ageSeconds ?? 0) * 1000)
  return {
    body: BODY,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(withSecret).sign(id, at, BODY),
    },
  }
}

/** What each verifier makes of one message: 'accepted', or the error it threw. */
function verdicts(message: Message, secrets: string[]) {
  // The package takes one secret: it accepts when it accepts under any of ours.
  const theirs = secrets.some((candidate) => {
    try {
      new Webhook(candidate).verify(message.body, message.headers)
      return true
    } catch {
      return false
    }
  })
    ? 'accepted'
    : 'refused'
  let ours: string
  try {
    verifyStandardWebhook({ rawBody: message.body, headers: new Headers(message.headers), secrets, now: NOW })
    ours = 'accepted'
  } catch (error) {
    ours = error instanceof SignatureError || error instanceof BadRequestError ? 'refused' : `threw ${String(error)}`
  }
  return { ours, theirs }
}

const both = (verdict: 'accepted' | 'refused') => ({ ours: verdict, theirs: verdict })

describe('verifyStandardWebhook agrees with the standardwebhooks package', () => {
  it('accepts a message the package signed, and returns its id and timestamp', () => {
    const key = secret()
    const message = signed(key, { id: 'msg_1' })
    expect(verdicts(message, [key])).toEqual(both('accepted'))
    expect(verifyStandardWebhook({ rawBody: message.body, headers: new Headers(message.headers), secrets: [key], now: NOW })).toEqual({
      id: 'msg_1',
      timestamp: NOW / 1000,
    })
  })

  it('refuses a tampered body', () => {
    const key = secret()
    const message = signed(key)
    expect(verdicts({ ...message, body: message.body.replace('ann@', 'eve@') }, [key])).toEqual(both('refused'))
  })

  it('refuses a tampered id (a replay under a new id)', () => {
    const key = secret()
    const message = signed(key)
    expect(verdicts({ ...message, headers: { ...message.headers, 'webhook-id': 'msg_other' } }, [key])).toEqual(both('refused'))
  })

  it('refuses a tampered timestamp', () => {
    const key = secret()
    const message = signed(key)
    const later = String(Number(message.headers['webhook-timestamp']) + 1)
    expect(verdicts({ ...message, headers: { ...message.headers, 'webhook-timestamp': later } }, [key])).toEqual(both('refused'))
  })

  it('accepts up to 300 s old and refuses 301 s', () => {
    const key = secret()
    expect(verdicts(signed(key, { ageSeconds: 300 }), [key])).toEqual(both('accepted'))
    expect(verdicts(signed(key, { ageSeconds: 301 }), [key])).toEqual(both('refused'))
  })

  it('accepts up to 300 s in the future and refuses 301 s', () => {
    const key = secret()
    expect(verdicts(signed(key, { ageSeconds: -300 }), [key])).toEqual(both('accepted'))
    expect(verdicts(signed(key, { ageSeconds: -301 }), [key])).toEqual(both('refused'))
  })

  it('accepts when one of several signatures matches', () => {
    const key = secret()
    const message = signed(key)
    const forged = `v1,${randomBytes(32).toString('base64')}`
    const headers = { ...message.headers, 'webhook-signature': `${forged} ${message.headers['webhook-signature']} v1a,${randomBytes(64).toString('base64')}` }
    expect(verdicts({ ...message, headers }, [key])).toEqual(both('accepted'))
  })

  it('ignores signatures of other versions: a good HMAC labelled v1a alone is refused', () => {
    const key = secret()
    const message = signed(key)
    const headers = { ...message.headers, 'webhook-signature': message.headers['webhook-signature']!.replace(/^v1,/, 'v1a,') }
    expect(verdicts({ ...message, headers }, [key])).toEqual(both('refused'))
  })

  it('takes the svix-* header names as Svix sends them', () => {
    const key = secret()
    const message = signed(key)
    const svix = Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name.replace('webhook-', 'svix-'), value]))
    // The package reads only webhook-*; Svix's own library reads both: the same signature is valid under either name.
    expect(verdicts(message, [key])).toEqual(both('accepted'))
    expect(verifyStandardWebhook({ rawBody: message.body, headers: new Headers(svix), secrets: [key], now: NOW }).id).toBe(message.headers['webhook-id'])
  })

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('refuses a message without %s, with 400', (name) => {
    const key = secret()
    const message = signed(key)
    const headers = { ...message.headers }
    delete headers[name]
    expect(verdicts({ ...message, headers }, [key])).toEqual(both('refused'))
    expect(() => verifyStandardWebhook({ rawBody: message.body, headers: new Headers(headers), secrets: [key], now: NOW })).toThrow(BadRequestError)
  })

  it('refuses a message signed with another secret, with 401', () => {
    const message = signed(secret())
    const mine = secret()
    expect(verdicts(message, [mine])).toEqual(both('refused'))
    expect(() => verifyStandardWebhook({ rawBody: message.body, headers: new Headers(message.headers), secrets: [mine], now: NOW })).toThrow(
      SignatureError,
    )
  })

  it('accepts messages signed with either secret during a rotation, and neither once the old one is dropped', () => {
    const [old, next] = [secret(), secret()]
    expect(verdicts(signed(old), [old, next])).toEqual(both('accepted'))
    expect(verdicts(signed(next), [old, next])).toEqual(both('accepted'))
    expect(verdicts(signed(old), [next])).toEqual(both('refused'))
  })

  it('signs exactly as the package does', () => {
    const key = secret()
    const at = new Date(NOW)
    expect(signStandardWebhook({ id: 'msg_2', timestamp: NOW / 1000, body: BODY, key: standardWebhookKey(key)[0]! })).toBe(
      new Webhook(key).sign('msg_2', at, BODY),
    )
  })

  it('refuses a timestamp that is not whole seconds, with 400', () => {
    const key = secret()
    const message = signed(key)
    const headers = { ...message.headers, 'webhook-timestamp': `${message.headers['webhook-timestamp']}.5` }
    expect(() => verifyStandardWebhook({ rawBody: message.body, headers: new Headers(headers), secrets: [key], now: NOW })).toThrow(BadRequestError)
  })
})

import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { verifyStripeSignature, type StripeSignatureVerdict } from '../../src/handlers/stripe/signature.ts'
import { stripeEvent } from '../helpers/fixtures.ts'
import { stripeSecret } from '../helpers/signing.ts'

const now = Date.UTC(2025, 0, 15, 12, 0, 0)
const nowSeconds = now / 1000
const tolerance = 300
const body = JSON.stringify(stripeEvent('checkout.session.completed'))
const secret = stripeSecret()
const oldSecret = stripeSecret()

/** Stripe's own signer: `t=<seconds>,<scheme>=<hex>`. */
function signed(options: { payload?: string; secret?: string; timestamp?: number; scheme?: string } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: nowSeconds, ...options })
}

function v1Of(header: string): string {
  return header.split(',').find((part) => part.startsWith('v1='))!.slice(3)
}

interface Case {
  name: string
  header: string
  expected: StripeSignatureVerdict
  rawBody?: string
  secrets?: string[]
  toleranceSeconds?: number
  now?: number
}

const good = v1Of(signed())
const flipped = good.slice(0, -1) + (good.endsWith('0') ? '1' : '0')

const cases: Case[] = [
  { name: 'valid', header: signed(), expected: { ok: true } },
  { name: 'tampered body', header: signed(), rawBody: body.replace('cs_test_', 'cs_evil_'), expected: { ok: false, reason: 'no_match' } },
  { name: 'tampered signature', header: `t=${nowSeconds},v1=${flipped}`, expected: { ok: false, reason: 'no_match' } },
  { name: 'signature in upper-case hex', header: `t=${nowSeconds},v1=${good.toUpperCase()}`, expected: { ok: false, reason: 'no_match' } },
  { name: 'stale: one second past the tolerance', header: signed({ timestamp: nowSeconds - tolerance - 1 }), expected: { ok: false, reason: 'stale' } },
  { name: 'exactly as old as the tolerance', header: signed({ timestamp: nowSeconds - tolerance }), expected: { ok: true } },
  { name: 'as old as the tolerance, 999 ms into the next second (whole seconds)', header: signed({ timestamp: nowSeconds - tolerance }), now: now + 999, expected: { ok: true } },
  { name: 'stale, with the age check turned off (tolerance 0)', header: signed({ timestamp: nowSeconds - 86_400 }), toleranceSeconds: 0, expected: { ok: true } },
  { name: 'stale and signed with another secret: no match, age not judged', header: signed({ secret: oldSecret, timestamp: nowSeconds - 86_400 }), expected: { ok: false, reason: 'no_match' } },
  { name: 'timestamp an hour in the future', header: signed({ timestamp: nowSeconds + 3600 }), expected: { ok: true } },
  { name: 'several v1 signatures, one good', header: `t=${nowSeconds},v1=${flipped},v1=${good},v0=${flipped}`, expected: { ok: true } },
  { name: 'only a v0 signature', header: signed({ scheme: 'v0' }), expected: { ok: false, reason: 'malformed' } },
  { name: 'header without t', header: `v1=${good}`, expected: { ok: false, reason: 'malformed' } },
  { name: 'space after the comma (keys are exact)', header: `t=${nowSeconds}, v1=${good}`, expected: { ok: false, reason: 'malformed' } },
  { name: 'garbage header', header: 'not-a-signature', expected: { ok: false, reason: 'malformed' } },
  { name: 'empty body, signed', header: signed({ payload: '' }), rawBody: '', expected: { ok: false, reason: 'malformed' } },
  { name: 'empty secret list', header: signed(), secrets: [], expected: { ok: false, reason: 'no_match' } },
  { name: 'blank secret, signed with it', header: signed({ secret: '' }), secrets: [''], expected: { ok: false, reason: 'no_match' } },
  { name: 'rotated secret: old first, then new', header: signed(), secrets: [oldSecret, secret], expected: { ok: true } },
  { name: 'wrong secret', header: signed(), secrets: [oldSecret], expected: { ok: false, reason: 'no_match' } },
]

type Outcome = 'accepted' | 'stale' | 'refused'

/** Stripe's SDK as the judge: accepted if `constructEvent` takes it with any one secret; stale if age was its only objection. */
function stripeVerdict(check: Required<Omit<Case, 'name' | 'expected'>>): Outcome {
  const refusals: string[] = []
  for (const candidate of check.secrets) {
    try {
      Stripe.webhooks.constructEvent(check.rawBody, check.header, candidate, check.toleranceSeconds, undefined, check.now)
      return 'accepted'
    } catch (error) {
      refusals.push((error as Error).message)
    }
  }
  return refusals.some((message) => /tolerance zone/.test(message)) ? 'stale' : 'refused'
}

function outcome(verdict: StripeSignatureVerdict): Outcome {
  if (verdict.ok) return 'accepted'
  return verdict.reason === 'stale' ? 'stale' : 'refused'
}

describe('verifyStripeSignature, judged case by case against Stripe.webhooks.constructEvent', () => {
  it.each(cases)('$name', ({ expected, ...check }) => {
    const { header, rawBody = body, secrets = [secret], toleranceSeconds = tolerance, now: at = now } = check
    const ours = verifyStripeSignature({ rawBody, header, secrets, toleranceSeconds, now: at })
    expect(ours).toEqual(expected)
    expect(outcome(ours)).toBe(stripeVerdict({ rawBody, header, secrets, toleranceSeconds, now: at }))
  })
})

import { sign, verify } from '@octokit/webhooks-methods'
import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { githubSender } from '../../src/handlers/github/index.ts'
import { stripeSender } from '../../src/handlers/stripe/index.ts'
import { githubSecret, stripeSecret } from '../helpers/signing.ts'

// `send` and the tests deliver with the senders' own signers; these prove they sign exactly as the providers' libraries do.
describe('the senders sign as the providers do', () => {
  it('Stripe: the SDK verifies what stripeSender.sign makes, and refuses it under another secret', () => {
    const secret = stripeSecret()
    const sample = stripeSender.samples['invoice.paid']!({ email: 'ann@example.com' })
    const { init } = stripeSender.sign(sample, secret)
    const header = init.headers['stripe-signature']!
    expect(Stripe.webhooks.constructEvent(init.body, header, secret).id).toBe(sample.payload.id)
    expect(() => Stripe.webhooks.constructEvent(init.body, header, stripeSecret())).toThrow()
  })

  it('Stripe: the header for a given time is the one the SDK generates', () => {
    const secret = stripeSecret()
    const sample = stripeSender.samples['invoice.paid']!({ email: 'ann@example.com' })
    const now = 1_760_000_000_000
    const { init } = stripeSender.sign(sample, secret, { now })
    expect(init.headers['stripe-signature']).toBe(Stripe.webhooks.generateTestHeaderString({ payload: init.body, secret, timestamp: now / 1000 }))
  })

  it('GitHub: the signature is the one @octokit/webhooks-methods makes, with the event and delivery id headers', async () => {
    const secret = githubSecret()
    const sample = githubSender.samples['organization.member_invited']!({ email: 'bob@example.com' })
    const { init, path } = githubSender.sign(sample, secret, { deliveryId: 'd-1' })
    expect(path).toBe('/webhooks/github')
    expect(init.headers['x-hub-signature-256']).toBe(await sign(secret, init.body))
    expect(await verify(secret, init.body, init.headers['x-hub-signature-256']!)).toBe(true)
    expect(init.headers).toMatchObject({ 'x-github-event': 'organization', 'x-github-delivery': 'd-1' })
  })
})

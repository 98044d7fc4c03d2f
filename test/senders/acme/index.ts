import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import * as v from 'valibot'
import { BadRequestError, SignatureError } from '../../../src/core/domain/errors.ts'
import type { Sender } from '../../../src/handlers/sender.ts'

/**
 * A made-up sender, written the way a new one is added: one folder with its
 * catalogue, verify + map, signer and samples (in one file here; a built-in
 * sender keeps what the function runs in runtime.ts and adds its tools in
 * index.ts). Acme signs the body with
 * `X-Acme-Signature: <hex HMAC-SHA256>` and names the event in the body.
 */
interface AcmeEvent {
  id: string
  type: string
  customer: { email: string; plan?: string }
}

const sign = (body: string, secret: string) => createHmac('sha256', secret).update(body).digest('hex')

export const acmeSender: Sender<{ plan: string | null }> = {
  name: 'acme',
  secretVariable: 'ACME_WEBHOOK_SECRET',
  readSettings: () => ({ plan: null }),
  catalogue: {
    source: 'acme',
    events: [
      { type: 'customer.paid', meaning: 'a customer paid', about: 'the customer', effect: 'grant', invitesByDefault: true },
      { type: 'customer.left', meaning: 'a customer left', about: 'the customer', effect: 'revoke' },
    ],
    matchEntries: { plans: v.optional(v.array(v.string())) },
    matches: (match, facts) => {
      const plans = match.plans as string[] | undefined
      return !plans || plans.includes(String((facts.acme as { plan?: string } | undefined)?.plan))
    },
  },
  async receive(request, config) {
    const presented = Buffer.from(request.headers.get('x-acme-signature') ?? '', 'hex')
    const matches = config.secrets.some((secret) => {
      const expected = Buffer.from(sign(request.rawBody, secret), 'hex')
      return expected.length === presented.length && timingSafeEqual(expected, presented)
    })
    if (!matches) throw new SignatureError('Acme signature does not match ACME_WEBHOOK_SECRET')
    let event: AcmeEvent
    try {
      event = JSON.parse(request.rawBody) as AcmeEvent
    } catch {
      throw new BadRequestError('Signed body is not JSON', 'invalid_json')
    }
    return {
      source: 'acme',
      eventId: event.id,
      eventType: event.type,
      recipient: { kind: 'email', email: event.customer.email },
      facts: { source: 'acme', event: event.type, acme: { plan: event.customer.plan } },
    }
  },
  sign(sample, secret) {
    const body = JSON.stringify(sample.payload)
    return { path: '/webhooks/acme', init: { method: 'POST', headers: { 'content-type': 'application/json', 'x-acme-signature': sign(body, secret) }, body } }
  },
  samples: {
    'customer.paid': (options) => {
      if (!options.email) throw new Error('--email is required')
      return { eventName: 'customer.paid', payload: { id: `acme_${randomUUID()}`, type: 'customer.paid', customer: { email: options.email, plan: 'gold' } } }
    },
  },
  explain: {
    delivery: () => {
      throw new Error('explain is not needed for this test sender')
    },
    facts: (facts) => `plan: ${String((facts.acme as { plan?: string } | undefined)?.plan)}`,
    account: (account) => account,
  },
}

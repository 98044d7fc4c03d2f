import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { rulesNeedingApiKey } from '../../src/rules/load.ts'
import { CATALOGUES, DEFAULT_RULES, rulesFor as parseRules } from '../helpers/senders.ts'

describe('parseRules', () => {
  it('accepts the shape from the docs', () => {
    const file = parseRules({
      rules: [
        {
          source: 'stripe',
          events: ['checkout.session.completed', 'invoice.paid'],
          match: { prices: ['price_pro'], products: ['prod_pro'], mode: 'subscription', livemode: true, metadata: { tier: 'pro' } },
          roles: ['pro'],
          data: { plan: 'pro' },
        },
        { source: 'stripe', events: ['customer.subscription.deleted'], match: { prices: ['price_pro'] }, revoke: ['pro'] },
        { source: 'github', events: ['organization.member_added'], match: { orgs: ['acme'] }, roles: ['staff'] },
        { source: 'github', events: ['organization.member_removed'], match: { orgs: ['acme'] }, revoke: ['staff'] },
      ],
    })
    expect(file.rules).toHaveLength(4)
  })

  it.each([
    [{ rules: [{ source: 'gumroad', events: ['x'] }] }, 'rules[0].source'],
    [{ rules: [{ source: 'stripe', events: ['payment_intent.succeeded'] }] }, 'rules[0].events[0]'],
    [{ rules: [{ source: 'stripe', events: [] }] }, 'rules[0].events: list at least one event'],
    [{ rules: [{ source: 'stripe', events: ['invoice.paid'], match: { prices: ['prod_x'] } }] }, 'rules[0].match.prices[0]: Stripe ids here start with price_'],
    [{ rules: [{ source: 'stripe', events: ['invoice.paid'], match: { mode: 'monthly' } }] }, 'rules[0].match.mode'],
    [{ rules: [{ source: 'stripe', events: ['invoice.paid'], match: { colour: 'red' } }] }, 'rules[0].match.colour'],
    [{ rules: [{ source: 'github', events: ['organization.member_added'], match: { prices: ['price_x'] } }] }, 'rules[0].match.prices'],
    [{ rules: [{ source: 'github', events: ['organization.member_added'], roles: ['has space'] }] }, 'rules[0].roles[0]'],
    [{ rules: [{ source: 'github', events: ['organization.member_removed'], revoke: ['staff'], roles: ['x'] }] }, 'a revoke rule takes only "revoke"'],
    [{ rules: [{ source: 'github', events: ['organization.member_added'], invite: false }] }, 'this rule does nothing'],
    [{ rules: {} }, 'rules'],
    [{}, 'rules'],
  ])('refuses %j naming %s', (input, where) => {
    expect(() => parseRules(input)).toThrow(where)
  })

  it('defaults to inviting paying buyers and new org members, with no roles', () => {
    expect(parseRules(DEFAULT_RULES)).toEqual(DEFAULT_RULES)
    expect(DEFAULT_RULES.rules.every((rule) => !rule.roles && !rule.revoke)).toBe(true)
  })

  it("the repository's invite-bridge.config.json is the defaults written out, for every sender", () => {
    const shipped = JSON.parse(readFileSync(new URL('../../invite-bridge.config.json', import.meta.url), 'utf8')) as unknown
    expect(parseRules(shipped)).toEqual(DEFAULT_RULES)
  })
})

describe('rulesNeedingApiKey', () => {
  it('names checkout rules that match on items, and subscription rules (their email needs the customer)', () => {
    const { rules } = parseRules({
      rules: [
        { source: 'stripe', events: ['invoice.paid'], match: { prices: ['price_a'] }, roles: ['a'] },
        { source: 'stripe', events: ['checkout.session.completed'], match: { prices: ['price_a'] }, roles: ['a'] },
        { source: 'stripe', events: ['customer.subscription.deleted'], revoke: ['a'] },
        { source: 'github', events: ['organization.member_added'] },
      ],
    })
    expect(rulesNeedingApiKey(rules, CATALOGUES)).toEqual([1, 2])
  })
})

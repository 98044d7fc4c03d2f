import { describe, expect, it } from 'vitest'
import type { MatchFacts } from '../../src/core/domain/facts.ts'
import { planFor } from '../../src/rules/match.ts'
import { CATALOGUES, rulesFor as parseRules } from '../helpers/senders.ts'

const checkout = (stripe: Partial<NonNullable<MatchFacts['stripe']>> = {}): MatchFacts => ({
  source: 'stripe',
  event: 'checkout.session.completed',
  stripe: { items: [{ price: 'price_pro', product: 'prod_pro' }], mode: 'payment', livemode: false, metadata: {}, ...stripe },
})

function plan(rule: Record<string, unknown>, facts: MatchFacts) {
  return planFor(parseRules({ rules: [rule] }).rules, facts, CATALOGUES)
}

const base = { source: 'stripe', events: ['checkout.session.completed'], roles: ['pro'] }

describe('match keys', () => {
  it('no match key: the rule holds for its events', () => {
    expect(plan(base, checkout())).toMatchObject({ invite: true, grant: ['pro'] })
  })

  it('not for other events', () => {
    expect(plan(base, { ...checkout(), event: 'invoice.paid' })).toBeNull()
  })

  it.each([
    [{ prices: ['price_pro'] }, true],
    [{ prices: ['price_other', 'price_pro'] }, true],
    [{ prices: ['price_other'] }, false],
    [{ products: ['prod_pro'] }, true],
    [{ products: ['prod_other'] }, false],
    [{ mode: 'payment' }, true],
    [{ mode: 'subscription' }, false],
    [{ livemode: false }, true],
    [{ livemode: true }, false],
    [{ metadata: { tier: 'pro' } }, false],
  ])('%j holds: %s', (match, holds) => {
    expect(plan({ ...base, match }, checkout()) !== null).toBe(holds)
  })

  it('prices hold when ANY purchased item is listed', () => {
    const facts = checkout({ items: [{ price: 'price_a', product: 'prod_a' }, { price: 'price_pro', product: 'prod_pro' }] })
    expect(plan({ ...base, match: { prices: ['price_pro'] } }, facts)).not.toBeNull()
  })

  it('metadata holds when EVERY listed key is equal', () => {
    const facts = checkout({ metadata: { tier: 'pro', region: 'eu' } })
    expect(plan({ ...base, match: { metadata: { tier: 'pro' } } }, facts)).not.toBeNull()
    expect(plan({ ...base, match: { metadata: { tier: 'pro', region: 'us' } } }, facts)).toBeNull()
  })

  it('all given keys must hold together', () => {
    expect(plan({ ...base, match: { prices: ['price_pro'], mode: 'subscription' } }, checkout())).toBeNull()
  })

  it('orgs compare case-insensitively', () => {
    const rule = { source: 'github', events: ['organization.member_added'], match: { orgs: ['Acme'] }, roles: ['staff'] }
    expect(plan(rule, { source: 'github', event: 'organization.member_added', github: { org: 'acme' } })).not.toBeNull()
    expect(plan(rule, { source: 'github', event: 'organization.member_added', github: { org: 'other' } })).toBeNull()
  })

  it('refuses to guess items that were not read yet', () => {
    expect(() => plan({ ...base, match: { prices: ['price_pro'] } }, checkout({ items: null }))).toThrow('line items must be read')
  })
})

describe('planFor', () => {
  it('applies every matching rule: roles unioned, data merged over the derived name', () => {
    const { rules } = parseRules({
      rules: [
        { source: 'stripe', events: ['checkout.session.completed'], roles: ['member'], data: { plan: 'basic' } },
        { source: 'stripe', events: ['checkout.session.completed'], match: { prices: ['price_pro'] }, roles: ['pro', 'member'], data: { plan: 'pro' } },
      ],
    })
    expect(planFor(rules, checkout(), CATALOGUES, { full_name: 'Ann' })).toEqual({
      invite: true,
      grant: ['member', 'pro'],
      revoke: [],
      data: { full_name: 'Ann', plan: 'pro' },
      matched: [0, 1],
    })
  })

  it('"invite": false grants roles without inviting', () => {
    expect(plan({ ...base, invite: false }, checkout())).toMatchObject({ invite: false, grant: ['pro'] })
  })

  it('a revoke rule removes roles and never invites', () => {
    const rule = { source: 'github', events: ['organization.member_removed'], revoke: ['staff'] }
    expect(plan(rule, { source: 'github', event: 'organization.member_removed', github: { org: 'acme' } })).toMatchObject({
      invite: false,
      grant: [],
      revoke: ['staff'],
    })
  })
})

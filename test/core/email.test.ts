import { describe, expect, it } from 'vitest'
import { maskEmail, normaliseEmail, personId } from '../../src/core/domain/email.ts'

describe('normaliseEmail', () => {
  it('trims and lower-cases an address', () => {
    expect(normaliseEmail('  Ann.Buyer@Example.COM ')).toBe('ann.buyer@example.com')
  })

  it.each([
    ['', 'empty'],
    ['ann', 'no @'],
    ['ann@', 'no domain'],
    ['@example.com', 'no local part'],
    ['ann@example', 'no dot in the domain'],
    ['ann smith@example.com', 'a space'],
    ['ann@@example.com', 'two @'],
    ['ann@example..com', 'an empty label'],
    ['<ann@example.com>', 'angle brackets'],
  ])('rejects %j (%s)', (input) => {
    expect(normaliseEmail(input)).toBeNull()
  })

  it('rejects what is not a string', () => {
    expect(normaliseEmail(null)).toBeNull()
    expect(normaliseEmail(42)).toBeNull()
    expect(normaliseEmail({ email: 'ann@example.com' })).toBeNull()
  })

  it('spells one mailbox one way whether its accents arrive composed (NFC) or decomposed (NFD)', () => {
    const composed = 'jos\u00e9@example.com'
    const decomposed = 'jose\u0301@example.com'
    expect(composed).not.toBe(decomposed)
    expect(normaliseEmail(decomposed)).toBe(normaliseEmail(composed))
    expect(normaliseEmail(decomposed)).toBe('jos\u00e9@example.com')
  })

  it('writes an international domain in its ASCII (punycode) form, as DNS and identity know it', () => {
    expect(normaliseEmail('ann@b\u00fccher.example')).toBe('ann@xn--bcher-kva.example')
    expect(normaliseEmail('Ann@B\u00dcCHER.example')).toBe(normaliseEmail('ann@xn--bcher-kva.example'))
  })

  it('rejects a domain that has no ASCII form', () => {
    expect(normaliseEmail('ann@xn--zz.example')).toBeNull()
  })

  it('accepts plus tags and subdomains', () => {
    expect(normaliseEmail('ann+pro@mail.example.co.uk')).toBe('ann+pro@mail.example.co.uk')
  })
})

describe('maskEmail', () => {
  it('keeps the first letter and the domain only', () => {
    expect(maskEmail('jane@example.com')).toBe('j***@example.com')
  })
})

describe('personId', () => {
  it('is stable for one key and differs between keys', () => {
    expect(personId('ann@example.com', 'k1')).toBe(personId('ann@example.com', 'k1'))
    expect(personId('ann@example.com', 'k1')).not.toBe(personId('ann@example.com', 'k2'))
  })

  it('does not contain the address', () => {
    expect(personId('ann@example.com', 'k1')).toMatch(/^[0-9a-f]{64}$/)
  })
})

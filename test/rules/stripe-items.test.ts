import { describe, expect, it } from 'vitest'
import { itemsFromInvoice, itemsFromSubscription } from '../../src/handlers/stripe/items.ts'
import { stripeEvent } from '../helpers/fixtures.ts'

describe('purchased items from Stripe objects', () => {
  it('reads invoice lines in the current shape (pricing.price_details)', () => {
    expect(itemsFromInvoice(stripeEvent('invoice.paid').data.object)).toEqual([{ price: 'price_1QxYyAB2cDeFgHiJpRoMoNtH', product: 'prod_TbPro123456789' }])
  })

  it('reads invoice lines in the older shape (line.price as a Price)', () => {
    const invoice = { lines: { data: [{ price: { id: 'price_old', object: 'price', product: 'prod_old' } }] } }
    expect(itemsFromInvoice(invoice)).toEqual([{ price: 'price_old', product: 'prod_old' }])
  })

  it('reads subscription items (price with its product)', () => {
    expect(itemsFromSubscription(stripeEvent('customer.subscription.deleted').data.object)).toEqual([
      { price: 'price_1QxYyAB2cDeFgHiJpRoMoNtH', product: 'prod_TbPro123456789' },
    ])
  })

  it('reads an expanded product object', () => {
    const subscription = { items: { data: [{ price: { id: 'price_x', product: { id: 'prod_x', object: 'product' } } }] } }
    expect(itemsFromSubscription(subscription)).toEqual([{ price: 'price_x', product: 'prod_x' }])
  })
})

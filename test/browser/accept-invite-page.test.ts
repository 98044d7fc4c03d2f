import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalServer, type LocalServer } from '../../src/local/start.ts'
import { launchBrowser, phonePage, screenshot } from '../helpers/browser.ts'
import { stripeEvent } from '../helpers/fixtures.ts'
import { stripeRequest, stripeSecret } from '../helpers/signing.ts'
import { sampleAccountHex } from '../../src/handlers/sample-ids.ts'

/**
 * public/index.html in headless Chromium, as an invited buyer meets it: the
 * link from the invite mail opens the page, a password activates the account.
 * The server is `npm start`'s, with its identity sandbox on the same origin.
 */
describe('the invite-acceptance page in a browser', () => {
  let dataDir: string
  let server: LocalServer
  let browser: Browser
  const printed: string[] = []
  const secret = stripeSecret()

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'invite-bridge-browser-'))
    server = await startLocalServer({
      env: { BRIDGE_DATA_DIR: dataDir, PORT: '0', STRIPE_WEBHOOK_SECRET: secret },
      print: (line) => printed.push(line),
    })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  async function buy(email: string, name: string): Promise<string> {
    const event = stripeEvent('checkout.session.completed', { id: `evt_browser_${email}`, object: { customer: `cus_${sampleAccountHex(email)}`, customer_details: { email, name } } })
    const answer = await fetch(`${server.url}/webhooks/stripe`, await stripeRequest(event, secret))
    expect(await answer.json()).toMatchObject({ outcome: 'invited' })
    const line = printed.find((candidate) => candidate.includes('#invite_token=') && candidate.includes(`${email[0]}***@`))
    return /(\S+#invite_token=\S+)$/.exec(line ?? '')![1]!
  }

  it('opens the invite link, takes a password and shows the account active', async () => {
    const link = await buy('page.buyer@example.com', 'Page Buyer')
    const page = await phonePage(browser)

    await page.goto(link)
    await expect.poll(() => page.isVisible('#accept')).toBe(true)
    await page.fill('#password', 'correct horse battery staple')
    await page.click('#accept-form button[type=submit]')

    await page.waitForSelector('#welcome', { state: 'visible' })
    expect(await page.textContent('#welcome-email')).toBe('page.buyer@example.com')
    // The page takes the spent token out of the address bar.
    expect(new URL(page.url()).hash).toBe('')
    await screenshot(page, 'accept-invite')

    // Identity agrees: the account is confirmed and the chosen password signs in.
    const signIn = await fetch(`${server.url}/.netlify/identity/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: 'page.buyer@example.com', password: 'correct horse battery staple' }),
    })
    expect(signIn.status).toBe(200)
  })

  it('shows identity’s refusal when the link was already used', async () => {
    const link = await buy('twice@example.com', 'Twice Clicked')
    const first = await phonePage(browser)
    await first.goto(link)
    await first.fill('#password', 'a first good password')
    await first.click('#accept-form button[type=submit]')
    await first.waitForSelector('#welcome', { state: 'visible' })

    const second = await phonePage(browser)
    await second.goto(link)
    await second.fill('#password', 'a second good password')
    await second.click('#accept-form button[type=submit]')
    await expect.poll(() => second.textContent('#accept-error')).toBe('User not found')
    expect(await second.isVisible('#welcome')).toBe(false)
  })
})

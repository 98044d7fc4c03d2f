import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startLocalServer, type LocalServer } from '../../src/local/start.ts'
import type { IdentitySandbox } from '../../src/sandbox/identity-sandbox.ts'
import { launchBrowser, phonePage, screenshot } from '../helpers/browser.ts'
import { stripeEvent } from '../helpers/fixtures.ts'
import { stripeRequest, stripeSecret } from '../helpers/signing.ts'
import { addSiteUser } from '../helpers/site-users.ts'
import { sampleAccountHex } from '../../src/handlers/sample-ids.ts'

/**
 * The admin page in headless Chromium on a phone-sized screen, against
 * `npm start`'s server and its identity sandbox on the same origin: an admin
 * signs in with the site's own Identity, watches deliveries arrive, sees one
 * die while identity is down, and replays it once identity is back.
 */
describe('the admin page in a browser', () => {
  let dataDir: string
  let server: LocalServer
  let sandbox: IdentitySandbox
  let browser: Browser
  const secret = stripeSecret()
  const apiKey = randomBytes(24).toString('base64url')
  const admin = { email: 'owner@example.com', password: randomBytes(12).toString('hex'), roles: ['admin'] }
  const member = { email: 'member@example.com', password: randomBytes(12).toString('hex'), roles: ['member'] }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'invite-bridge-admin-page-'))
    server = await startLocalServer({
      env: {
        BRIDGE_DATA_DIR: dataDir,
        PORT: '0',
        STRIPE_WEBHOOK_SECRET: secret,
        INVITE_API_KEYS: apiKey,
        // Identity outages end in a dead letter within seconds, not days.
        BRIDGE_RETRY_FIRST_SECONDS: '1',
        BRIDGE_RETRY_WINDOW_SECONDS: '1',
        BRIDGE_SWEEP_SECONDS: '1',
      },
      print: () => {},
    })
    sandbox = server.sandbox!
    await addSiteUser(sandbox, admin)
    await addSiteUser(sandbox, member)
    browser = await launchBrowser()
  })
  afterEach(() => sandbox.faults.clear())
  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  async function buy(email: string) {
    const event = stripeEvent('checkout.session.completed', { id: `evt_admin_page_${randomBytes(6).toString('hex')}`, object: { customer: `cus_${sampleAccountHex(email)}`, customer_details: { email, name: null } } })
    const answer = await fetch(`${server.url}/webhooks/stripe`, await stripeRequest(event, secret))
    return { status: answer.status, ...((await answer.json()) as { outcome?: string }) }
  }

  async function signIn(user: { email: string; password: string }): Promise<Page> {
    const page = await phonePage(browser)
    await page.goto(`${server.url}/invite-bridge/`)
    await page.fill('#email', user.email)
    await page.fill('#password', user.password)
    await page.click('#password-form button[type=submit]')
    return page
  }

  const figure = async (page: Page, id: string) => Number(await page.textContent(`#${id}`))
  /** Refreshes the page's figures until `read` gives what the test waits for. */
  const refreshing = <T>(page: Page, read: () => Promise<T>) =>
    expect.poll(async () => {
      await page.click('#refresh')
      await settled(page)
      return read()
    }, { timeout: 10_000, interval: 250 })

  it('shows an admin a delivery, then a dead letter, and counts the invite once it is replayed', async () => {
    const page = await signIn(admin)
    await page.waitForSelector('#overview', { state: 'visible' })
    expect(await page.textContent('#who')).toBe(admin.email)
    const invitedBefore = await figure(page, 'invited-total')

    // A purchase arrives and is invited: it shows in the log and in today's bar.
    expect(await buy('ann@example.com')).toMatchObject({ status: 200, outcome: 'invited' })
    await refreshing(page, () => figure(page, 'invited-total')).toBe(invitedBefore + 1)
    const annEntry = page.locator('#log-list li', { hasText: 'a***@example.com' })
    expect(await annEntry.getAttribute('data-status')).toBe('done')
    expect(await annEntry.textContent()).toContain('invited')
    const today = new Date().toISOString().slice(0, 10)
    expect(Number(await page.getAttribute(`svg.chart rect[data-date="${today}"]`, 'data-invited'))).toBeGreaterThanOrEqual(1)

    // Identity is down: the purchase is queued, retried, and dies when the retry window has passed.
    sandbox.faults.set({ kind: 'status', status: 503 })
    expect(await buy('bob@example.com')).toMatchObject({ status: 202, outcome: 'queued' })
    const deadEntry = page.locator('#attention-list li[data-status="dead"]', { hasText: 'b***@example.com' })
    // npm start's own sweep (every BRIDGE_SWEEP_SECONDS) does the retrying.
    await refreshing(page, () => deadEntry.count()).toBe(1)
    expect(await deadEntry.textContent()).toMatch(/upstream|identity/i)
    // The page shows the masked address the API gives, never the plain one.
    expect(await page.content()).not.toContain('bob@example.com')
    // The README's picture (docs/admin-page.png) is this one: a phone's screen with a dead letter on it.
    await deadEntry.scrollIntoViewIfNeeded()
    await screenshot(page, 'admin-page-dead-letter', { fullPage: false })

    // The log's status filter asks the API for dead events only.
    await page.selectOption('#filter-status', 'dead')
    await settled(page)
    expect(await page.locator('#log-list li').evaluateAll((items) => items.map((item) => item.getAttribute('data-status')))).toEqual(['dead'])
    await page.selectOption('#filter-status', '')
    await settled(page)

    // Identity is back: Replay invites Bob, once.
    sandbox.faults.clear()
    await deadEntry.locator('button', { hasText: 'Replay' }).click()
    await expect.poll(() => deadEntry.count()).toBe(0)
    expect(await figure(page, 'invited-total')).toBe(invitedBefore + 2)
    expect(await page.locator('#log-list li', { hasText: 'b***@example.com' }).first().getAttribute('data-status')).toBe('done')
    expect(sandbox.invites.filter((invite) => invite.email === 'bob@example.com')).toHaveLength(1)
    // Readable on a phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    await screenshot(page, 'admin-page')
  })

  it('tells a signed-in member that they are not an admin, and shows no figures', async () => {
    const page = await signIn(member)
    await page.waitForSelector('#denied', { state: 'visible' })
    expect(await page.textContent('#denied-message')).toContain('not an admin')
    expect(await page.isVisible('#overview')).toBe(false)
  })

  it('says so when the password is wrong', async () => {
    const page = await signIn({ email: admin.email, password: 'not the password' })
    await expect.poll(() => page.textContent('#sign-in-error')).toMatch(/password invalid/)
    expect(await page.isVisible('#overview')).toBe(false)
  })

  it('accepts one of the site\'s API keys instead of a sign-in, and refuses any other', async () => {
    const page = await phonePage(browser)
    await page.goto(`${server.url}/invite-bridge/`)
    await page.fill('#api-key', randomBytes(24).toString('base64url'))
    await page.click('#key-form button[type=submit]')
    await expect.poll(() => page.textContent('#sign-in-error')).toContain('not accepted')

    await page.fill('#api-key', apiKey)
    await page.click('#key-form button[type=submit]')
    await page.waitForSelector('#overview', { state: 'visible' })
    expect(await page.textContent('#who')).toBe('API key')

    await page.click('#sign-out')
    await page.waitForSelector('#sign-in', { state: 'visible' })
    expect(await stored(page)).toBeNull()
  })

  it('renews an expired session with its refresh token, and asks for a new sign-in when that is spent', async () => {
    const page = await signIn(admin)
    await page.waitForSelector('#overview', { state: 'visible' })
    const first = (await stored(page))!
    await store(page, { ...first, expiresAt: 0 })
    await page.click('#refresh')
    await settled(page)
    expect(await page.isVisible('#overview')).toBe(true)
    expect((await stored(page))?.refresh).toEqual(expect.any(String))
    expect((await stored(page))?.refresh).not.toBe(first.refresh)

    // GoTrue rotates refresh tokens: the first one is spent now.
    await store(page, { ...(await stored(page)), expiresAt: 0, refresh: first.refresh })
    await page.click('#refresh')
    await page.waitForSelector('#sign-in', { state: 'visible' })
    expect(await page.textContent('#sign-in-error')).toContain('session ended')
    expect(await stored(page)).toBeNull()
  })
})

/** Waits until the page has its answers: it marks body[data-busy] while it waits for them. */
async function settled(page: Page): Promise<void> {
  await page.waitForSelector('body:not([data-busy])', { state: 'attached' })
}

/** What the page keeps in the tab's sessionStorage. */
function stored(page: Page): Promise<Record<string, any> | null> {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('invite-bridge-admin') ?? 'null'))
}
function store(page: Page, value: Record<string, any>): Promise<void> {
  return page.evaluate((kept) => sessionStorage.setItem('invite-bridge-admin', JSON.stringify(kept)), value)
}

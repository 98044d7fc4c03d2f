import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { chromium, type Browser, type Page } from 'playwright-core'

/**
 * Debian's chromium (`.ci/run` installs it when missing): Playwright's own
 * browser download cannot be reached from here, so playwright-core drives
 * the system one. CHROMIUM_PATH points elsewhere when it lives elsewhere.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH?.trim() || '/usr/bin/chromium'

/** Where browser tests leave their screenshots (git-ignored); CI keeps the folder as an artifact. */
export const SCREENSHOTS = new URL('../../test-results/browser/', import.meta.url)

// Without the background-networking flags Chromium dials Google at start-up,
// and on a closed network those refused connections stall page loads.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Headless Chromium with a fresh profile (Playwright makes a temp user-data-dir per launch). */
export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install Debian's (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH to one`)
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGS })
}

/** A phone-sized page, since the pages must read well on one. */
export async function phonePage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true })
  // Short waits: a page that never shows what a test waits for fails with the selector named, well inside the test timeout.
  context.setDefaultTimeout(5_000)
  return context.newPage()
}

/** Saves a screenshot (the whole page unless `fullPage` is false) as test-results/browser/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true })
  const path = new URL(`${name}.png`, SCREENSHOTS).pathname
  await page.screenshot({ path, fullPage: options.fullPage ?? true })
  return path
}

import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.ts'
import { paddleSampleCustomerId } from '../../src/handlers/paddle/samples.ts'
import { startLocalServer, type LocalServer } from '../../src/local/start.ts'
import { servePaddleApi } from '../helpers/paddle-api.ts'

/** `npm start` with nothing but what each case adds, and `invite-bridge send` against it, as a newcomer runs them. */
describe('invite-bridge send paddle | shopify, against npm start', () => {
  const closing: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close()
  })

  async function local(env: Record<string, string> = {}) {
    const dataDir = await mkdtemp(join(tmpdir(), 'invite-bridge-send-'))
    closing.push(() => rm(dataDir, { recursive: true, force: true }))
    const printed: string[] = []
    const server: LocalServer = await startLocalServer({ env: { BRIDGE_DATA_DIR: dataDir, PORT: '0', ...env }, print: (line) => printed.push(line) })
    closing.push(() => server.close())
    const send = async (...args: string[]) => {
      const out: string[] = []
      const status = await main(['send', ...args, '--url', server.url], { out: (l) => out.push(l), err: (l) => out.push(l) }, { BRIDGE_DATA_DIR: dataDir })
      return { status, out }
    }
    return { server, printed, send }
  }

  it('shopify orders/paid invites the buyer, with the development secret npm start made', async () => {
    const { send, printed, server } = await local()
    expect(server.banner.join('\n')).toMatch(/shopify: http:\/\/localhost:\d+\/webhooks\/shopify \(development secret/)
    expect(await send('shopify', 'orders/paid', '--email', 'cy@example.com', '--repeat', '2')).toMatchObject({ status: 0, out: ['#1 200 invited', expect.stringMatching(/^#2 200 duplicate/), '2 sent: 1 invited, 1 duplicate'] })
    expect(printed.filter((line) => line.includes('c***@example.com'))).toHaveLength(1)
  })

  it('without PADDLE_API_KEY, npm start leaves Paddle off (its rules need the key) and says which variables turn it on', async () => {
    const { server, send } = await local()
    expect(server.banner).toContain('  paddle: disabled (set PADDLE_WEBHOOK_SECRET and PADDLE_API_KEY)')
    const sent = await send('paddle', 'transaction.completed', '--email', 'di@example.com')
    expect(sent.status).toBe(1)
    expect(sent.out[0]).toMatch(/^#1 503 source_disabled: paddle webhooks are disabled: set PADDLE_WEBHOOK_SECRET/)
  })

  it('paddle transaction.completed invites the customer the sample names, read from the Paddle API stand-in', async () => {
    const apiKey = randomBytes(16).toString('hex')
    const api = await servePaddleApi(apiKey, { customers: { [paddleSampleCustomerId('di@example.com')]: { email: 'di@example.com', name: 'Di' } } })
    closing.push(() => api.close())
    const { send, printed } = await local({ PADDLE_API_KEY: apiKey, PADDLE_API_URL: api.url })
    expect(await send('paddle', 'transaction.completed', '--email', 'di@example.com')).toMatchObject({ status: 0, out: ['#1 200 invited'] })
    expect(printed.some((line) => line.includes('d***@example.com') && line.includes('#invite_token='))).toBe(true)
    // A customer the API does not hold has no address: answered, nobody invited.
    expect(await send('paddle', 'transaction.completed', '--email', 'nobody@example.com')).toMatchObject({ status: 0, out: [expect.stringMatching(/^#1 200 no_email/)] })
  })
})

import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGoTrueClient } from '../../src/core/clients/gotrue-client.ts'
import { listen, type Listening } from '../../src/local/listen.ts'

/** A proxy in front of identity that answers in its own words, not GoTrue's. */
describe('the GoTrue client facing answers that are not GoTrue\'s', () => {
  let server: Listening
  let url: string
  beforeAll(async () => {
    const app = new Hono()
    app.post('/invite', (c) => c.text('Unprocessable', 422))
    server = await listen(app.fetch, { hostname: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${server.port}`
  })
  afterAll(() => server.close())

  it('retries (throws a 502) rather than treating a 422 without GoTrue\'s message as a final rejection', async () => {
    const client = createGoTrueClient({ target: { url, credential: { kind: 'token', token: 'not-checked-here' } }, timeoutMs: 1000 })
    await expect(client.invite('ann@example.com')).rejects.toMatchObject({ status: 502, code: 'identity_failed' })
  })
})

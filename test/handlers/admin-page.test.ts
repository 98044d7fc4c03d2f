import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { createMemoryStore } from '../../src/core/exactly-once/memory-store.ts'
import { bridgeConfig } from '../helpers/senders.ts'

const app = () => createApp({ config: bridgeConfig({}), store: createMemoryStore() })
const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`

describe('GET /invite-bridge/', () => {
  it.each(['/invite-bridge/', '/invite-bridge'])('%s serves the admin page to anyone: it holds no data', async (path) => {
    const response = await app().request(path)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await response.text()).toContain('<title>invite-bridge admin</title>')
  })

  it('lets only its own inline script and style run, pinned by hash, and talks to this origin only', async () => {
    const response = await app().request('/invite-bridge/')
    const html = await response.text()
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!
    const style = /<style>([\s\S]*)<\/style>/.exec(html)![1]!
    const policy = response.headers.get('content-security-policy')!
    expect(policy).toContain(`script-src ${hashOf(script)}`)
    expect(policy).toContain(`style-src ${hashOf(style)}`)
    expect(policy).toContain("connect-src 'self'")
    expect(policy).toContain("frame-ancestors 'none'")
    expect(policy).not.toContain('unsafe-inline')
  })

  it('loads nothing from elsewhere', async () => {
    const html = await (await app().request('/invite-bridge/')).text()
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//)
    expect(html).not.toMatch(/fetch\((["'])https?:/)
  })
})

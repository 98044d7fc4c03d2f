import { randomBytes, randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { githubExample, githubInvitationByEmail } from '../helpers/fixtures.ts'
import { serveGitHubApi } from '../helpers/github-api.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { githubRequest } from '../helpers/signing.ts'

let bridge: TestBridge
let github: Awaited<ReturnType<typeof serveGitHubApi>>
const githubToken = randomBytes(20).toString('hex')

beforeEach(async () => {
  github = await serveGitHubApi([
    { login: 'hacktocat', email: 'Hacktocat@Example.com', name: 'Hack Tocat' },
    { login: 'private-person', email: null },
  ])
  bridge = await startTestBridge({ env: { GITHUB_API_URL: github.url, GITHUB_TOKEN: githubToken } })
})
afterEach(async () => {
  await bridge.close()
  await github.close()
})

async function deliver(event: string, payload: unknown, deliveryId?: string) {
  const response = await bridge.app.request('/webhooks/github', await githubRequest(event, payload, bridge.secrets.github, { deliveryId }))
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

describe('POST /webhooks/github', () => {
  it('invites the address of an invitation made by email, without asking GitHub', async () => {
    expect((await deliver('organization', githubInvitationByEmail('New.Member@example.com'))).body.outcome).toBe('invited')
    expect(bridge.identity.sandbox.invites.map((invite) => invite.email)).toEqual(['new.member@example.com'])
    expect(github.requests).toHaveLength(0)
  })

  it('looks up the public email of an invitation made by login, with GITHUB_TOKEN', async () => {
    const payload = githubExample('organization', 'member_invited')
    expect((await deliver('organization', payload)).body.outcome).toBe('invited')
    expect(github.requests).toEqual([{ login: 'hacktocat', authorization: `token ${githubToken}` }])
    expect(bridge.identity.sandbox.users()[0]).toMatchObject({ email: 'hacktocat@example.com', user_metadata: { full_name: 'Hack Tocat' } })
  })

  it('looks up and invites a member who was added', async () => {
    expect((await deliver('organization', githubExample('organization', 'member_added'))).body.outcome).toBe('invited')
    expect(bridge.invitesTo('hacktocat@example.com')).toBe(1)
  })

  it('answers no_email when the member keeps their email private, and logs it', async () => {
    const payload = githubExample('organization', 'member_added')
    payload.membership.user.login = 'private-person'
    expect(await deliver('organization', payload)).toMatchObject({ status: 200, body: { outcome: 'no_email' } })
    expect(bridge.identity.sandbox.invites).toHaveLength(0)
    expect(bridge.logs.at(-1)).toMatchObject({ outcome: 'no_email', source: 'github' })
  })

  it('answers no_email when GitHub does not know the login', async () => {
    const payload = githubExample('organization', 'member_added')
    payload.membership.user.login = 'nobody-here'
    expect((await deliver('organization', payload)).body.outcome).toBe('no_email')
  })

  it('queues the event when GitHub cannot answer the lookup, and invites on its own retry, with no redelivery', async () => {
    github.fail(500)
    const queued = await deliver('organization', githubExample('organization', 'member_added'), randomUUID())
    expect(queued).toMatchObject({ status: 202, body: { outcome: 'queued' } })
    github.fail(undefined)
    await bridge.sweepUntil(() => bridge.invitesTo('hacktocat@example.com') === 1)
    expect(bridge.invitesTo('hacktocat@example.com')).toBe(1)
  })

  it('treats a redelivery (same X-GitHub-Delivery) as a duplicate', async () => {
    const deliveryId = randomUUID()
    const payload = githubInvitationByEmail('new.member@example.com')
    expect((await deliver('organization', payload, deliveryId)).body.outcome).toBe('invited')
    expect(await deliver('organization', payload, deliveryId)).toMatchObject({ status: 200, body: { outcome: 'duplicate' } })
    expect(bridge.invitesTo('new.member@example.com')).toBe(1)
  })

  it('answers ping with 2xx and invites nobody', async () => {
    expect(await deliver('ping', githubExample('ping'))).toMatchObject({ status: 200, body: { outcome: 'ignored' } })
  })

  it('ignores events that invite nobody', async () => {
    expect((await deliver('push', githubExample('push'))).body).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('push') })
    expect(bridge.identity.sandbox.invites).toHaveLength(0)
  })
})

import { describe, expect, it } from 'vitest'
import { mapGitHubEvent } from '../../src/handlers/github/map.ts'
import { githubExample, githubInvitationByEmail } from '../helpers/fixtures.ts'

const map = (name: string, payload: Record<string, any>) => mapGitHubEvent(name, 'delivery-1', payload)

describe('mapGitHubEvent', () => {
  it('names the email of an invitation made by email, and the org', () => {
    const payload = githubInvitationByEmail('new.member@example.com')
    expect(map('organization', payload)).toEqual({
      source: 'github',
      eventId: 'delivery-1',
      eventType: 'organization.member_invited',
      recipient: { kind: 'email', email: 'new.member@example.com' },
      facts: { source: 'github', event: 'organization.member_invited', github: { org: payload.organization.login } },
    })
  })

  it('names the login of an invitation made by login (email null, as GitHub sends it)', () => {
    const payload = githubExample('organization', 'member_invited')
    expect(payload.invitation.email).toBeNull()
    expect(map('organization', payload).recipient).toEqual({ kind: 'account', account: payload.invitation.login })
  })

  it('names the login of a member who was added, or removed', () => {
    const added = githubExample('organization', 'member_added')
    expect(map('organization', added).recipient).toEqual({ kind: 'account', account: added.membership.user.login })
    const removed = { ...added, action: 'member_removed' }
    expect(map('organization', removed)).toMatchObject({ eventType: 'organization.member_removed', recipient: { kind: 'account' } })
  })

  it('names the member by user id, which survives a rename, on added and removed', () => {
    const added = githubExample('organization', 'member_added')
    expect(map('organization', added).subject).toBe(`user:${added.membership.user.id}`)
    expect(map('organization', { ...added, action: 'member_removed' }).subject).toBe(`user:${added.membership.user.id}`)
  })

  it('names the invitee of an invitation by login by their user id, or by login when the payload carries no user', () => {
    const payload = githubExample('organization', 'member_invited')
    expect(map('organization', payload).subject).toBe(`user:${payload.user.id}`)
    delete payload.user
    payload.invitation.login = 'HackToCat'
    expect(map('organization', payload).subject).toBe('login:hacktocat')
  })

  it('names no subject for an invitation by email alone: GitHub never says which account accepts it', () => {
    expect(map('organization', githubInvitationByEmail('new.member@example.com'))).not.toHaveProperty('subject')
  })

  it('skips ping', () => {
    expect(map('ping', githubExample('ping')).skip).toContain('ping')
  })

  it('skips other organization actions and other events', () => {
    expect(map('organization', { ...githubExample('organization', 'member_added'), action: 'renamed' }).skip).toBe(
      'event organization.renamed does not invite anyone',
    )
    expect(map('push', githubExample('push')).skip).toContain('push')
  })
})

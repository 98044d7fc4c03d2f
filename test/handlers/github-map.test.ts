import { describe, expect, it } from 'vitest'
import { mapGitHubEvent } from '../../src/handlers/github.ts'
import { githubExample, githubInvitationByEmail } from '../helpers/fixtures.ts'

describe('mapGitHubEvent', () => {
  it('invites the email of an invitation made by email', () => {
    expect(mapGitHubEvent('organization', githubInvitationByEmail('new.member@example.com'))).toEqual({
      kind: 'invite',
      recipient: { kind: 'email', email: 'new.member@example.com' },
    })
  })

  it('looks up the login of an invitation made by login (email null, as GitHub sends it)', () => {
    const payload = githubExample('organization', 'member_invited')
    expect(payload.invitation.email).toBeNull()
    expect(mapGitHubEvent('organization', payload)).toEqual({
      kind: 'invite',
      recipient: { kind: 'github-login', login: payload.invitation.login },
    })
  })

  it('looks up the login of a member who was added', () => {
    const payload = githubExample('organization', 'member_added')
    expect(mapGitHubEvent('organization', payload)).toEqual({
      kind: 'invite',
      recipient: { kind: 'github-login', login: payload.membership.user.login },
    })
  })

  it('answers ping without inviting', () => {
    expect(mapGitHubEvent('ping', githubExample('ping'))).toMatchObject({ kind: 'ignore' })
  })

  it('ignores other organization actions and other events', () => {
    const removed = { ...githubExample('organization', 'member_added'), action: 'member_removed' }
    expect(mapGitHubEvent('organization', removed)).toEqual({
      kind: 'ignore',
      reason: 'event organization.member_removed does not invite anyone',
    })
    expect(mapGitHubEvent('push', githubExample('push'))).toMatchObject({ kind: 'ignore' })
  })
})

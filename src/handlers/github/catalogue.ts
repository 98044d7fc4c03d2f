import * as v from 'valibot'
import type { SenderCatalogue } from '../../core/domain/catalogue.ts'
import type { MatchFacts } from '../../core/domain/facts.ts'

/** The facts a GitHub organization event gives rules, under `facts.github`. */
export interface GitHubFacts {
  org: string | null
}

const matchEntries = {
  orgs: v.optional(v.pipe(v.array(v.pipe(v.string(), v.nonEmpty())), v.minLength(1, 'list at least one org'))),
}

function matches(match: { orgs?: string[] }, facts: MatchFacts): boolean {
  if (!match.orgs) return true
  const org = (facts.github as GitHubFacts | undefined)?.org?.toLowerCase()
  return org !== undefined && match.orgs.some((candidate) => candidate.toLowerCase() === org)
}

/** GitHub's organization events (X-GitHub-Event `organization`, with the action), as the bridge reads them. */
export const githubCatalogue: SenderCatalogue = {
  source: 'github',
  events: [
    {
      type: 'organization.member_invited',
      meaning: 'someone was invited to the organization',
      about: 'the invitee: the address when invited by email, else the login',
      effect: 'grant',
      invitesByDefault: true,
    },
    {
      type: 'organization.member_added',
      meaning: 'someone joined the organization',
      about: 'the new member (a login: the bridge looks up the public email)',
      effect: 'grant',
      needs: ['person'],
      invitesByDefault: true,
    },
    {
      type: 'organization.member_removed',
      meaning: 'someone left or was removed from the organization',
      about: 'the former member (a login)',
      effect: 'revoke',
      needs: ['person'],
    },
    { type: 'ping', meaning: 'the webhook was connected', about: 'nobody', effect: 'none' },
  ],
  matchEntries,
  matches: (match, facts) => matches(match as { orgs?: string[] }, facts),
}

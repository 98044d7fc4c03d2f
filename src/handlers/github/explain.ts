import type { MatchFacts } from '../../core/domain/facts.ts'
import type { SenderExplainer } from '../sender.ts'
import type { GitHubFacts } from './catalogue.ts'
import { mapGitHubEvent, type GitHubPayload } from './map.ts'

/** How `explain` reads a GitHub webhook body from a file and says what it found. */
export const githubExplainer: SenderExplainer = {
  delivery(payload, event) {
    if (!event) throw new Error('--event is required for github: the X-GitHub-Event header, e.g. organization')
    if (event.includes('.')) throw new Error(`--event is the X-GitHub-Event header (e.g. ${event.split('.')[0]}): the action comes from the payload`)
    return mapGitHubEvent(event, 'local file', payload as GitHubPayload)
  },
  facts: (facts: MatchFacts) => `org: ${(facts.github as GitHubFacts | undefined)?.org ?? '(none)'}`,
  account: (login) => `GitHub user @${login} (their public email would be looked up on GitHub)`,
}

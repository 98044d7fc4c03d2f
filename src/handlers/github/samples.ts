import { createHash } from 'node:crypto'
import type { SampleOptions, SamplePayload } from '../sender.ts'
import { readSample } from '../sample-ids.ts'

/** A payload GitHub sent (from its webhook docs' examples), fresh each call. */
const sample = (event: string) => readSample(new URL('./samples/', import.meta.url), event)

/** A user id of GitHub's shape, one per login: the ledger links a member by id, so two logins must not share the sample's. */
function userIdOf(login: string): number {
  return Number.parseInt(createHash('sha256').update(login.toLowerCase()).digest('hex').slice(0, 8), 16) + 1
}

export const githubSamples: Record<string, (options: SampleOptions) => SamplePayload> = {
  'organization.member_invited': (options) => {
    if (options.email === undefined && options.login === undefined) throw new Error('--email or --login is required')
    const payload = sample('organization.member_invited')
    // GitHub puts the address here when the invitation was made by email, null when made by login.
    payload.invitation.email = options.email ?? null
    // An invitation by email alone names no account (no login, no invitee); one by login names the invitee.
    payload.invitation.login = options.login ?? null
    if (options.login) payload.user = { ...payload.user, login: options.login, id: userIdOf(options.login) }
    else delete payload.user
    return { eventName: 'organization', payload }
  },
  'organization.member_added': (options) => {
    if (!options.login) throw new Error('--login is required for member_added (GitHub sends only the login)')
    const payload = sample('organization.member_added')
    payload.membership.user.login = options.login
    payload.membership.user.id = userIdOf(options.login)
    return { eventName: 'organization', payload }
  },
  ping: () => ({ eventName: 'ping', payload: sample('ping') }),
}

import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { normaliseEmail, personId } from '../../src/core/domain/email.ts'
import type { ClaimRecord } from '../../src/core/exactly-once/claims.ts'
import type { RulesFile } from '../../src/rules/schema.ts'
import { eventOf } from '../helpers/admin-api.ts'
import { startTestBridge, type TestBridge } from '../helpers/bridge.ts'
import { githubInvitationByEmail } from '../helpers/fixtures.ts'
import { apiKey } from '../helpers/invites.ts'
import { rulesFor } from '../helpers/senders.ts'
import { githubRequest } from '../helpers/signing.ts'

const RULES: RulesFile = { rules: [{ source: 'github', events: ['organization.member_invited'], roles: ['staff'] }] }
const ann = 'ann@example.com'
const HOLD_MS = 6_000
const key = apiKey()
let bridge: TestBridge

beforeEach(async () => {
  bridge = await startTestBridge({ env: { INVITE_API_KEYS: key }, deps: async () => ({ rules: rulesFor(RULES) }) })
})
afterEach(async () => {
  await bridge.close()
})

/** The person's claim as another request inviting them would hold it. */
async function holdPerson(email: string): Promise<{ leaseUntil: number; release(): Promise<void> }> {
  const hashKey = (await bridge.store.get<{ key: string }>('meta/person-hash-key'))?.value.key
  if (!hashKey) throw new Error('the bridge has no person hash key yet')
  const claimKey = `person/${personId(normaliseEmail(email)!, hashKey)}`
  // Longer than the delivery waits for a busy person (3 s), short enough that the retry it asks for is soon.
  const held: ClaimRecord = { state: 'pending', leaseUntil: Date.now() + HOLD_MS, firstSeen: Date.now() }
  expect((await bridge.store.create(claimKey, held)).created).toBe(true)
  return {
    leaseUntil: held.leaseUntil,
    async release() {
      const current = await bridge.store.get<ClaimRecord>(claimKey)
      await bridge.store.replace(claimKey, { state: 'released', at: Date.now(), firstSeen: held.firstSeen }, current!.etag)
    },
  }
}

it('a GitHub event whose person is busy with another request is kept for the bridge’s retry (202), not lost to a 409 GitHub never retries', async () => {
  // Anything handled makes the bridge create its person hash key.
  await bridge.app.request('/webhooks/github', await githubRequest('organization', githubInvitationByEmail('someone.else@example.com'), bridge.secrets.github))
  const other = await holdPerson(ann)

  const deliveryId = randomUUID()
  const response = await bridge.app.request('/webhooks/github', await githubRequest('organization', githubInvitationByEmail(ann), bridge.secrets.github, { deliveryId }))
  expect(response.status).toBe(202)
  const queued = (await response.json()) as { outcome: string; retryAt: string }
  expect(queued).toMatchObject({ outcome: 'queued' })
  // Due when the other request's hold on the person ends (to the second it asks for): not a failure, so no backoff.
  expect(Date.parse(queued.retryAt)).toBeGreaterThanOrEqual(other.leaseUntil)
  expect(Date.parse(queued.retryAt)).toBeLessThan(other.leaseUntil + 2000)
  expect(await eventOf(bridge.app, key, 'github', deliveryId)).toMatchObject({ status: 'pending', error: { code: 'in_progress' } })
  expect(bridge.inviteRequestsTo(ann)).toBe(0)

  // The other request gives the person back without inviting them; the bridge's retry does.
  await other.release()
  await bridge.sweepUntil(async () => (await eventOf(bridge.app, key, 'github', deliveryId)).status === 'done')
  expect(await eventOf(bridge.app, key, 'github', deliveryId)).toMatchObject({ outcome: 'invited' })
  expect(bridge.inviteRequestsTo(ann)).toBe(1)
  expect(bridge.rolesOf(ann)).toEqual(['staff'])
})

import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openUserFile } from '../../src/sandbox/user-file.ts'
import { newInvitedUser, type StoredUser } from '../../src/sandbox/users.ts'

let dir: string
let file: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'identity-user-file-'))
  file = join(dir, 'identity-users.json')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const invited = (email: string) => newInvitedUser(email, null, '2026-05-01T12:00:00.1Z', `token-${email}`)
const byId = (records: StoredUser[]) => new Map(records.map((record) => [record.user.id, record]))
const lineCount = () => readFileSync(file, 'utf8').split('\n').filter(Boolean).length

describe('openUserFile', () => {
  it('an invite appends one line instead of rewriting the users', () => {
    const { file: users } = openUserFile(file)
    const live: StoredUser[] = []
    for (const email of ['ann@example.com', 'bob@example.com', 'cy@example.com']) {
      live.push(invited(email))
      users.append({ put: live.at(-1)! }, byId(live))
    }
    const lines = readFileSync(file, 'utf8').split('\n')
    // The first write makes the snapshot; each later one is a line of its own.
    expect(lines.map((line) => Object.keys(JSON.parse(line || '{}'))[0])).toEqual(['users', 'put', 'put', undefined])
    expect(openUserFile(file).users.map((r) => r.user.email)).toEqual(['ann@example.com', 'bob@example.com', 'cy@example.com'])
  })

  it('replays puts, removes and clears in order, and opens as one snapshot line', () => {
    const [ann, bob, cy] = [invited('ann@example.com'), invited('bob@example.com'), invited('cy@example.com')]
    writeFileSync(file, `${JSON.stringify({ users: [ann] })}\n`)
    const changes = [{ put: bob }, { clear: true }, { put: cy }, { put: ann }, { remove: cy.user.id }, { put: { ...ann, refreshTokens: ['r1'] } }]
    appendFileSync(file, changes.map((change) => `${JSON.stringify(change)}\n`).join(''))

    expect(openUserFile(file).users).toEqual([{ ...ann, refreshTokens: ['r1'] }])
    expect(lineCount()).toBe(1)
  })

  it('drops a last line cut short by a crash, and appends cleanly after it', () => {
    const [ann, bob, cy] = [invited('ann@example.com'), invited('bob@example.com'), invited('cy@example.com')]
    writeFileSync(file, `${JSON.stringify({ users: [ann] })}\n${JSON.stringify({ put: bob })}\n${JSON.stringify({ put: cy }).slice(0, 40)}`)

    const opened = openUserFile(file)
    expect(opened.users.map((r) => r.user.email)).toEqual(['ann@example.com', 'bob@example.com'])
    opened.file.append({ put: cy }, byId([...opened.users, cy]))
    expect(openUserFile(file).users.map((r) => r.user.email)).toEqual(['ann@example.com', 'bob@example.com', 'cy@example.com'])
  })

  it('refuses a broken line in the middle rather than guess, naming the file and line', () => {
    writeFileSync(file, `${JSON.stringify({ users: [] })}\nnot json\n${JSON.stringify({ clear: true })}\n`)
    expect(() => openUserFile(file)).toThrow(`Identity sandbox data file ${file}: line 2 is not JSON`)
  })

  it('rewrites itself once the changes outnumber the users, so it stays proportional to them', () => {
    const { file: users } = openUserFile(file)
    const live = Array.from({ length: 10 }, (_, i) => invited(`user-${i}@example.com`))
    const liveById = byId(live)
    for (let round = 0; round < 250; round++) {
      for (const record of live) {
        record.user.updated_at = `round ${round}`
        users.append({ put: record }, liveById)
      }
    }
    expect(lineCount()).toBeLessThan(1100)
    expect(openUserFile(file).users).toEqual(live)
  })
})

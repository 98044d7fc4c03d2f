import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createIdentitySandbox } from '../../src/sandbox/identity-sandbox.ts'
import { startSandbox, type Harness } from './harness.ts'

let h: Harness
beforeEach(async () => {
  h = await startSandbox()
})
afterEach(() => h.close())

describe('faults on POST /invite', () => {
  it('status 500 answers GoTrue\'s "Error inviting user" with an error_id and creates nobody', async () => {
    h.sandbox.faults.set({ kind: 'status', status: 500, times: 1 })
    const res = await h.invite('ann@example.com')
    expect(res).toMatchObject({ status: 500, body: { code: 500, msg: 'Error inviting user', error_id: expect.any(String) } })
    expect(h.sandbox.users()).toEqual([])
    expect(h.sandbox.invites).toEqual([])

    expect((await h.invite('ann@example.com')).status).toBe(200)
  })

  it('status 429 carries Retry-After when given, and no error_id below 500', async () => {
    h.sandbox.faults.set({ kind: 'status', status: 429, retryAfter: 7 })
    const res = await h.invite('ann@example.com')
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('7')
    expect(res.body).toEqual({ code: 429, msg: 'Too Many Requests' })
  })

  it('without times a fault lasts until cleared', async () => {
    h.sandbox.faults.set({ kind: 'status', status: 503 })
    for (let i = 0; i < 3; i++) expect((await h.invite('ann@example.com')).status).toBe(503)
    h.sandbox.faults.clear()
    expect((await h.invite('ann@example.com')).status).toBe(200)
  })

  it('times counts only invites that passed the admin check, and other routes are never faulted', async () => {
    h.sandbox.faults.set({ kind: 'status', status: 502, times: 1 })
    expect((await h.call('POST', '/invite', { token: null, json: { email: 'a@example.com' } })).status).toBe(401)
    expect((await h.call('GET', '/admin/users')).status).toBe(200)
    expect((await h.invite('ann@example.com')).status).toBe(502)
    expect((await h.invite('ann@example.com')).status).toBe(200)
  })

  it('slow delays the answer, then invites normally', async () => {
    h.sandbox.faults.set({ kind: 'slow', delayMs: 300, times: 1 })
    const started = performance.now()
    const res = await h.invite('ann@example.com')
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    expect(res.status).toBe(200)
  })

  it('slow: a client that gives up early still leaves a created user behind', async () => {
    h.sandbox.faults.set({ kind: 'slow', delayMs: 200, times: 1 })
    const giveUp = new AbortController()
    const aborted = h.call('POST', '/invite', { json: { email: 'ann@example.com' }, signal: giveUp.signal })
    // Give up once the server has the request (on a loaded machine a fixed 50 ms may come before it even arrives).
    await vi.waitFor(() => expect(h.sandbox.inviteRequests).toHaveLength(1), { timeout: 10_000, interval: 5 })
    giveUp.abort()
    await expect(aborted).rejects.toThrow()
    // The server finishes on its own time: wait, bounded, for the write.
    await vi.waitFor(() => expect(h.sandbox.users().map((u) => u.email)).toEqual(['ann@example.com']), { timeout: 10_000, interval: 20 })
    expect((await h.invite('ann@example.com')).status).toBe(422)
  })

  it('drop destroys the connection: fetch rejects and nobody is created', async () => {
    h.sandbox.faults.set({ kind: 'drop', times: 1 })
    await expect(h.invite('ann@example.com')).rejects.toThrow(TypeError)
    expect(h.sandbox.users()).toEqual([])
    expect((await h.invite('ann@example.com')).status).toBe(200)
  })

  it('commit-then-fail answers 502 after the write: the retry finds the address already registered', async () => {
    h.sandbox.faults.set({ kind: 'commit-then-fail', times: 1 })
    const res = await h.invite('ann@example.com')
    expect(res).toMatchObject({ status: 502, body: { code: 502, error_id: expect.any(String) } })
    expect(h.sandbox.users().map((u) => u.email)).toEqual(['ann@example.com'])
    expect(h.sandbox.invites.map((i) => i.email)).toEqual(['ann@example.com'])

    const retry = await h.invite('ann@example.com')
    expect(retry).toMatchObject({ status: 422, body: { msg: 'Email address already registered by another user' } })
  })

  it('html answers 200 with a proxy\'s page instead of a user, and creates nobody', async () => {
    h.sandbox.faults.set({ kind: 'html', times: 1 })
    const res = await h.invite('ann@example.com')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    expect(res.body).toContain('<!doctype html>')
    expect(h.sandbox.users()).toEqual([])
    expect((await h.invite('ann@example.com')).body).toMatchObject({ email: 'ann@example.com' })
  })

  it('reset() clears users, invites and faults', async () => {
    await h.invite('ann@example.com')
    h.sandbox.faults.set({ kind: 'status', status: 503 })
    h.sandbox.reset()
    expect(h.sandbox.users()).toEqual([])
    expect(h.sandbox.invites).toEqual([])
    expect((await h.invite('ann@example.com')).status).toBe(200)
  })
})

describe('without a server (app.request)', () => {
  it('drop makes the request promise reject, as there is no socket to destroy', async () => {
    const sandbox = createIdentitySandbox({ jwtSecret: randomBytes(32).toString('base64url'), siteUrl: 'https://site.example' })
    const init = {
      method: 'POST',
      headers: { authorization: `Bearer ${await sandbox.adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ann@example.com' }),
    }
    sandbox.faults.set({ kind: 'drop', times: 1 })
    await expect(sandbox.app.request('/invite', init)).rejects.toThrow(/dropped the connection/)
    expect(sandbox.users()).toEqual([])
    expect((await sandbox.app.request('/invite', init)).status).toBe(200)
  })
})

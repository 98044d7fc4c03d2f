import { randomBytes } from 'node:crypto'
import { SignJWT, type JWTPayload } from 'jose'
import type { IdentitySandboxOptions } from '../../src/sandbox/identity-sandbox.ts'
import { serveIdentitySandbox, type ServedIdentitySandbox } from '../../src/sandbox/serve.ts'

/** The sandbox's clock starts here, so timestamps and expiry messages are exact. */
export const START = Date.parse('2026-05-01T12:00:00.100Z')
export const SITE_URL = 'https://site.example'

export interface CallInit {
  /** Bearer token; defaults to the harness's admin token, `null` sends no Authorization. */
  token?: string | null
  json?: unknown
  body?: string
  headers?: Record<string, string>
  signal?: AbortSignal
}

export interface Answer {
  status: number
  headers: Headers
  // Tests read arbitrary JSON fields; each assertion states the shape it expects.
  body: any
}

export interface Harness extends ServedIdentitySandbox {
  jwtSecret: string
  adminToken: string
  advance(seconds: number): void
  call(method: string, path: string, init?: CallInit): Promise<Answer>
  invite(email: string, data?: Record<string, unknown>): Promise<Answer>
  /** Invites `email`, accepts the invite with `password`, returns the user's tokens. */
  signUp(email: string, password: string, data?: Record<string, unknown>): Promise<{ id: string; access_token: string; refresh_token: string }>
  sign(payload: JWTPayload, options?: { secret?: string; alg?: string }): Promise<string>
}

export async function startSandbox(overrides: Partial<IdentitySandboxOptions> = {}): Promise<Harness> {
  let clock = START
  const jwtSecret = randomBytes(32).toString('base64url')
  const served = await serveIdentitySandbox({ jwtSecret, siteUrl: SITE_URL, now: () => clock, ...overrides })
  const adminToken = await served.sandbox.adminToken()

  async function call(method: string, path: string, init: CallInit = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...init.headers }
    const token = init.token === undefined ? adminToken : init.token
    if (token !== null) headers.authorization = `Bearer ${token}`
    let body = init.body
    if (init.json !== undefined && method !== 'GET') {
      body = JSON.stringify(init.json)
      headers['content-type'] = 'application/json'
    }
    const res = await fetch(served.url + path, { method, headers, body, signal: init.signal })
    const text = await res.text()
    const isJson = (res.headers.get('content-type') ?? '').includes('application/json')
    return { status: res.status, headers: res.headers, body: isJson ? JSON.parse(text) : text }
  }

  const invite = (email: string, data?: Record<string, unknown>) => call('POST', '/invite', { json: data ? { email, data } : { email } })

  async function signUp(email: string, password: string, data?: Record<string, unknown>) {
    const invited = await invite(email, data)
    if (invited.status !== 200) throw new Error(`invite of ${email} answered ${invited.status}`)
    const sent = served.sandbox.invites.find((i) => i.email === email)
    const verified = await call('POST', '/verify', { token: null, json: { type: 'signup', token: sent?.token, password } })
    if (verified.status !== 200) throw new Error(`verify of ${email} answered ${verified.status}`)
    return { id: invited.body.id as string, ...(verified.body as { access_token: string; refresh_token: string }) }
  }

  function sign(payload: JWTPayload, options: { secret?: string; alg?: string } = {}) {
    const key = new TextEncoder().encode(options.secret ?? jwtSecret)
    return new SignJWT(payload).setProtectedHeader({ alg: options.alg ?? 'HS256' }).sign(key)
  }

  return {
    ...served,
    jwtSecret,
    adminToken,
    advance: (seconds) => {
      clock += seconds * 1000
    },
    call,
    invite,
    signUp,
    sign,
  }
}

import { randomBytes } from 'node:crypto'
import type { Hono } from 'hono'
import type { TestBridge } from './bridge.ts'

/** A fresh INVITE_API_KEYS key; tests never commit one. */
export function apiKey(): string {
  return randomBytes(32).toString('hex')
}

export interface InvitesAnswer {
  status: number
  headers: Headers
  // Tests read arbitrary JSON fields; each assertion states the shape it expects.
  body: any
}

/** POST /invites as curl would send it; `body` is JSON-encoded unless it is already a string. */
export async function postInvites(app: Hono, body: unknown, token?: string): Promise<InvitesAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token !== undefined) headers.authorization = `Bearer ${token}`
  const response = await app.request('/invites', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: response.status, headers: response.headers, body: await response.json() }
}

async function identityCall(bridge: TestBridge, method: string, path: string, init: { token?: string; json?: unknown; form?: Record<string, string> }) {
  const headers: Record<string, string> = {}
  if (init.token) headers.authorization = `Bearer ${init.token}`
  let body: string | undefined
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(init.json)
  }
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded'
    body = new URLSearchParams(init.form).toString()
  }
  const response = await fetch(`${bridge.identity.url}${path}`, { method, headers, body })
  const answer = (await response.json()) as Record<string, any>
  if (!response.ok) throw new Error(`identity ${method} ${path} answered ${response.status}: ${JSON.stringify(answer)}`)
  return answer
}

/**
 * A real site user, made the way a site makes one: invited through identity,
 * invite accepted with a password (POST /verify), roles set by an admin
 * (PUT /admin/users), then logged in (POST /token) for a current access token.
 */
export async function siteUser(
  bridge: TestBridge,
  email: string,
  grant: { roles?: string[]; role?: string } = {},
): Promise<{ id: string; accessToken: string; password: string }> {
  const admin = await bridge.identity.sandbox.adminToken()
  const password = randomBytes(12).toString('base64url')
  const invited = await identityCall(bridge, 'POST', '/invite', { token: admin, json: { email } })
  const sent = bridge.identity.sandbox.invites.find((invite) => invite.email === email)
  await identityCall(bridge, 'POST', '/verify', { json: { type: 'signup', token: sent?.token, password } })
  if (grant.roles || grant.role) {
    await identityCall(bridge, 'PUT', `/admin/users/${invited.id}`, {
      token: admin,
      json: { ...(grant.roles ? { app_metadata: { roles: grant.roles } } : {}), ...(grant.role ? { role: grant.role } : {}) },
    })
  }
  const session = await identityCall(bridge, 'POST', '/token', { form: { grant_type: 'password', username: email, password } })
  return { id: String(invited.id), accessToken: String(session.access_token), password }
}

/** Sets a user's app_metadata.roles, as an admin would in the Netlify UI. */
export async function setRoles(bridge: TestBridge, userId: string, roles: string[]): Promise<void> {
  const admin = await bridge.identity.sandbox.adminToken()
  await identityCall(bridge, 'PUT', `/admin/users/${userId}`, { token: admin, json: { app_metadata: { roles } } })
}

/** Invites identity sent to addresses other than the site users a test made for itself. */
export function invitesExcept(bridge: TestBridge, siteUsers: string[]): string[] {
  return bridge.identity.sandbox.invites.map((invite) => invite.email).filter((email) => !siteUsers.includes(email))
}

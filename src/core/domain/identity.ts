import type { IdentitySettings } from '../config/config.ts'
import { NotConfiguredError } from './errors.ts'
import type { RoleAdmin } from '../exactly-once/roles.ts'

/**
 * What the bridge needs from an identity backend. Results the caller must act
 * on are values; failures that may pass (5xx, 429, timeouts, a rejected admin
 * token) are thrown as UpstreamError so the provider retries the delivery.
 */
export type InviteResult =
  | { outcome: 'invited'; userId: string }
  /** The address already has an account (confirmed or still invited): success, nothing to send. */
  | { outcome: 'already_registered' }
  /** The server refused the address itself; retrying will not help. */
  | { outcome: 'rejected'; reason: string }

/** The part of GoTrue's user object the bridge reads. */
export interface IdentityUser {
  id: string
  email: string
  /** GoTrue's own top-level role; NOT where Netlify keeps site roles. */
  role?: string
  app_metadata?: Record<string, unknown> | null
}

export interface IdentityClient extends RoleAdmin {
  /** Where invites go, for logs and the health route (no credentials). */
  readonly url: string
  invite(email: string, data?: Record<string, unknown>): Promise<InviteResult>
  /**
   * The user a site user's access token belongs to, asked of identity itself
   * (`GET /user` with that token), or null when identity does not accept the
   * token. Decoding the JWT locally would trust whatever it claims.
   */
  getUser(accessToken: string): Promise<IdentityUser | null>
}

export type IdentityCredential = { kind: 'token'; token: string } | { kind: 'jwt-secret'; secret: string }

export interface IdentityTarget {
  url: string
  credential: IdentityCredential
}

/** What Netlify's runtime offers a function during one request (`globalThis.netlifyIdentityContext`). */
export interface RuntimeIdentity {
  url?: string
  token?: string
}

/**
 * Explicit settings win over the runtime's guess: `netlify dev` and
 * `functions:serve` report an identity URL but no usable token, so a
 * configured URL or token must never be overridden by them.
 */
export function resolveIdentityTarget(settings: IdentitySettings, runtime: RuntimeIdentity | null | undefined): IdentityTarget {
  const url = settings.url ?? runtime?.url?.replace(/\/+$/, '')
  const credential: IdentityCredential | undefined = settings.adminToken
    ? { kind: 'token', token: settings.adminToken }
    : settings.jwtSecret
      ? { kind: 'jwt-secret', secret: settings.jwtSecret }
      : runtime?.token
        ? { kind: 'token', token: runtime.token }
        : undefined
  const missing = [
    url ? null : 'IDENTITY_URL',
    credential ? null : 'IDENTITY_ADMIN_TOKEN (or IDENTITY_JWT_SECRET)',
  ].filter((name): name is string => name !== null)
  if (!url || !credential) {
    throw new NotConfiguredError(
      'identity_not_configured',
      `No identity server to invite with: set ${missing.join(' and ')}, or deploy on Netlify with Identity enabled`,
    )
  }
  return { url, credential }
}

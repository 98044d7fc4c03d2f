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

/** The admin calls a role change needs. */
export interface RoleAdmin {
  /** The user with exactly this address (the admin filter is a LIKE: the caller gets only an exact match). */
  findUserByEmail(email: string): Promise<IdentityUser | null>
  getUserById(id: string): Promise<IdentityUser | null>
  /** Writes `app_metadata.roles` (GoTrue merges app_metadata one level deep, so this replaces the roles array only). */
  setRoles(id: string, roles: string[]): Promise<void>
}

export interface IdentityClient extends RoleAdmin {
  /** Where invites go, for logs and the health route (no credentials). */
  readonly url: string
  /**
   * `lookFirst`: an earlier attempt may have saved this user without hearing
   * so (a timeout, a lost connection, a 5xx): look the address up first,
   * within the same time limit, and answer already_registered when the
   * account exists instead of asking identity a second time.
   */
  invite(email: string, data?: Record<string, unknown>, options?: { lookFirst?: boolean }): Promise<InviteResult>
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

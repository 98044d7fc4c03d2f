import { randomBytes } from 'node:crypto'
import { Hono } from 'hono'
import { createFaultSwitch, dropConnection, sleep, type FaultSwitch } from '../../../src/sandbox/faults.ts'
import { registerAdminRoutes } from './admin.ts'
import { bearerToken, projectKeys, requireAdminCredentials, requireApiKey, type ProjectKeys } from './auth.ts'
import { answerError, SupabaseAuthError } from './errors.ts'
import { badJson, jsonParams, validateEmail } from './params.ts'
import { newEmailUser, UUID, type SupabaseUser } from './users.ts'

export type { SupabaseUser } from './users.ts'

/** Project settings that change Auth's answers; tests flip them at run time. */
export interface SupabaseDoubleSettings {
  /** GOTRUE_RATE_LIMIT_EMAIL_SENT: mails per hour (default here: no limit; Auth's default is 30). */
  emailsPerHour: number
  /** GOTRUE_EXTERNAL_EMAIL_AUTHORIZED_ADDRESSES: when set, only these are mailed (the built-in mailer's team list). */
  authorizedAddresses: string[]
  /** The mailer's own address check (validateclient: format, DNS): true refuses with 400 email_address_invalid. */
  undeliverable: (email: string) => boolean
}

export interface SupabaseDouble {
  /** Routes under `/auth/v1`, as on a project: serve it at the project URL's root. */
  app: Hono
  keys: ProjectKeys
  faults: FaultSwitch
  settings: SupabaseDoubleSettings
  /** Every invite mail sent (a re-sent invite counts again), in order. */
  invites: ReadonlyArray<{ email: string; at: number }>
  /** The address of every admin-authenticated POST /invite, mailed or refused: how often a client asked. */
  inviteRequests: ReadonlyArray<string>
  users(): SupabaseUser[]
  /** What the dashboard's "delete user" does. */
  deleteUser(id: string): void
  /** What following the invite link does to the user (POST /verify type invite). */
  acceptInvite(email: string): void
  reset(): void
}

const DUPLICATE_EMAIL = 'A user with this email address has already been registered'

/**
 * A Supabase Auth double written to docs/supabase-auth-contract.md: the
 * routes the bridge and supabase-js's admin calls use, with the answers of
 * supabase/auth at bc32168e, and the GoTrue sandbox's switchable faults on POST /invite.
 */
export function createSupabaseDouble(options: { jwtSecret?: string; now?: () => number } = {}): SupabaseDouble {
  const now = options.now ?? Date.now
  const time = () => new Date(now()).toISOString()
  const keys = projectKeys(options.jwtSecret ?? randomBytes(32).toString('hex'), now)
  const faults = createFaultSwitch()
  const settings: SupabaseDoubleSettings = { emailsPerHour: Infinity, authorizedAddresses: [], undeliverable: () => false }
  const byId = new Map<string, SupabaseUser>()
  const invites: Array<{ email: string; at: number }> = []
  const inviteRequests: string[] = []
  const byEmail = (email: string) => [...byId.values()].find((user) => user.email.toLowerCase() === email.toLowerCase())

  const app = new Hono().basePath('/auth/v1')
  app.onError(answerError)
  app.notFound((c) => c.json({ code: 404, error_code: 'not_found', msg: 'Not Found' }, 404))
  app.use('*', requireApiKey(keys))

  app.post('/invite', requireAdminCredentials(keys), async (c) => {
    const asked = (await c.req.raw.clone().json().catch(() => null)) as { email?: unknown } | null
    inviteRequests.push(typeof asked?.email === 'string' ? asked.email : '')
    const fault = faults.take()
    if (fault?.kind === 'drop') return dropConnection(c.env)
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) }
      if (fault.status === 429) throw new SupabaseAuthError(429, 'over_email_send_rate_limit', 'email rate limit exceeded', headers)
      if (fault.status === 500) throw new SupabaseAuthError(500, 'unexpected_failure', 'Error sending invite email', headers)
      // 502/503 come from the gateway in front of Auth, as text.
      return c.text(fault.status === 502 ? 'Bad Gateway' : 'Service Unavailable', fault.status, headers)
    }
    if (fault?.kind === 'html') return c.html('<!doctype html><title>Down for maintenance</title><p>We will be back shortly.</p>')
    if (fault?.kind === 'slow') await sleep(fault.delayMs)

    const params = await jsonParams(c)
    const data = params.data
    if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data))) throw badJson('json: cannot unmarshal into Go struct field InviteParams.data')
    const email = validateEmail(params.email)
    const existing = byEmail(email)
    // invite.go: a confirmed user is refused; an unconfirmed one is mailed a new link, with no change to its data.
    if (existing?.email_confirmed_at) throw new SupabaseAuthError(422, 'email_exists', DUPLICATE_EMAIL)
    const user = existing ?? newEmailUser(email, (data as Record<string, unknown> | null | undefined) ?? null, time())
    sendInvite(email) // throws before anything is saved: the transaction rolls back
    user.invited_at = user.confirmation_sent_at = time()
    byId.set(user.id, user)
    invites.push({ email, at: now() })
    if (fault?.kind === 'commit-then-fail') return c.text('Bad Gateway', 502)
    return c.json(user)
  })

  function sendInvite(email: string): void {
    const allowed = settings.authorizedAddresses
    if (allowed.length > 0 && !allowed.some((address) => address.toLowerCase() === email.replace(/[+][^@]+@/, '@'))) {
      throw new SupabaseAuthError(400, 'email_address_not_authorized', `Email address "${email}" cannot be used as it is not authorized`)
    }
    const lastHour = invites.filter((invite) => invite.at > now() - 3_600_000).length
    if (lastHour >= settings.emailsPerHour) throw new SupabaseAuthError(429, 'over_email_send_rate_limit', 'email rate limit exceeded')
    if (settings.undeliverable(email)) throw new SupabaseAuthError(400, 'email_address_invalid', `Email address "${email}" is invalid`)
  }

  registerAdminRoutes(app, { keys, byId, time })

  app.get('/user', (c) => {
    const claims = keys.verify(bearerToken(c.req.header('authorization')))
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new SupabaseAuthError(403, 'bad_jwt', 'invalid claim: missing sub claim')
    if (!UUID.test(claims.sub)) throw new SupabaseAuthError(400, 'bad_jwt', 'invalid claim: sub claim must be a UUID')
    const user = byId.get(claims.sub.toLowerCase())
    if (!user) throw new SupabaseAuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist')
    return c.json(user)
  })

  return {
    app,
    keys,
    faults,
    settings,
    invites,
    inviteRequests,
    users: () => [...byId.values()].map((user) => structuredClone(user)),
    deleteUser(id) {
      byId.delete(id)
    },
    acceptInvite(email) {
      const user = byEmail(email)
      if (!user) throw new Error('no such user to accept the invite')
      user.email_confirmed_at = user.confirmed_at = time()
    },
    reset() {
      byId.clear()
      invites.length = 0
      inviteRequests.length = 0
      faults.clear()
      Object.assign(settings, { emailsPerHour: Infinity, authorizedAddresses: [], undeliverable: () => false })
    },
  }
}


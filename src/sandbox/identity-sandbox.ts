import { Hono, type Context } from 'hono'
import { registerAdminRoutes, requireAdminCredentials } from './admin.ts'
import { createFaultSwitch, dropConnection, faultMessages, sleep, type FaultSwitch } from './faults.ts'
import { GoTrueError, answerError, decodeJsonObject, fieldTypeError } from './gotrue-errors.ts'
import { registerSessionRoutes } from './sessions.ts'
import { createTokenKit, secureToken } from './tokens.ts'
import { createUserRepository, goTime, newInvitedUser, type SandboxUser } from './users.ts'

export type { Fault, FaultSwitch } from './faults.ts'
export type { SandboxUser } from './users.ts'

export interface IdentitySandboxOptions {
  /** The instance's HS256 secret: admin tokens and access tokens are signed with it. */
  jwtSecret: string
  /** Invite links are `${siteUrl}/#invite_token=${token}`. */
  siteUrl: string
  /** When set, users persist here (JSON lines), loaded on creation; one sandbox at a time may have it open. */
  dataFile?: string
  /** "Sends the mail". Throwing makes the invite fail with 500 and saves nothing, like a failed SMTP send. */
  onInvite?: (invite: { email: string; link: string; token: string }) => void
  /** Clock in ms; default Date.now. */
  now?: () => number
}

export interface SentInvite {
  email: string
  token: string
  link: string
  at: number
}

export interface IdentitySandbox {
  /** Routes are relative: mount with `parent.route('/.netlify/identity', sandbox.app)`. */
  app: Hono
  faults: FaultSwitch
  /** Every invite actually sent, in order. */
  invites: ReadonlyArray<SentInvite>
  /** The address of every admin-authenticated POST /invite, sent or refused: how often a client asked. */
  inviteRequests: ReadonlyArray<string>
  users(): SandboxUser[]
  /** Mints `{sub:"0", exp}` HS256, like the token Netlify hands a function. */
  adminToken(ttlSeconds?: number): Promise<string>
  /** Clears users, invites and faults. */
  reset(): void
  /** Releases the data file, so another sandbox may open it. */
  close(): void
}

/** checkmail.ValidateFormat, the check GoTrue runs when SMTP is configured. */
const EMAIL_FORMAT =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/

/** A GoTrue double that answers like Netlify Identity, with switchable faults on POST /invite. */
export function createIdentitySandbox(options: IdentitySandboxOptions): IdentitySandbox {
  const now = options.now ?? Date.now
  const siteUrl = options.siteUrl.replace(/\/+$/, '')
  const tokens = createTokenKit(options.jwtSecret, now)
  const users = createUserRepository(options.dataFile)
  const faults = createFaultSwitch()
  const invites: SentInvite[] = []
  const inviteRequests: string[] = []
  const deps = { tokens, users, now }

  const app = new Hono()
  app.onError(answerError)
  // chi's default for an unknown route.
  app.notFound((c) => c.text('404 page not found\n', 404))

  app.get('/health', (c) =>
    c.json({ version: 'sandbox', name: 'GoTrue', description: 'GoTrue is a user registration and authentication API' }),
  )
  app.get('/settings', (c) =>
    c.json({
      external: { bitbucket: false, github: false, gitlab: false, google: false, facebook: false, email: true, saml: false },
      external_labels: {},
      disable_signup: false,
      autoconfirm: false,
    }),
  )

  app.post('/invite', requireAdminCredentials(deps), async (c) => {
    const asked = (await c.req.raw.clone().json().catch(() => null)) as { email?: unknown } | null
    inviteRequests.push(typeof asked?.email === 'string' ? asked.email : '')
    const fault = faults.take()
    if (fault?.kind === 'drop') return dropConnection(c.env)
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) }
      throw new GoTrueError(fault.status, faultMessages[fault.status] ?? 'Error inviting user', headers)
    }
    if (fault?.kind === 'html') return c.html('<!doctype html><title>Down for maintenance</title><p>We will be back shortly.</p>')
    if (fault?.kind === 'slow') await sleep(fault.delayMs)

    const { email, data } = await inviteParams(c)
    if (!email) throw new GoTrueError(422, 'An email address is required')
    if (!EMAIL_FORMAT.test(email)) throw new GoTrueError(422, 'Unable to validate email address: invalid format')
    if (users.byEmail(email)) throw new GoTrueError(422, 'Email address already registered by another user')

    const token = secureToken()
    const record = newInvitedUser(email, data, goTime(now()), token)
    const link = `${siteUrl}/#invite_token=${token}`
    try {
      options.onInvite?.({ email, link, token })
    } catch {
      // GoTrue sends the mail inside the transaction: a failed send saves nothing.
      throw new GoTrueError(500, 'Error inviting user')
    }
    users.save(record)
    invites.push({ email, token, link, at: now() })

    // The write is done and the mail is out; only the answer is lost.
    if (fault?.kind === 'commit-then-fail') throw new GoTrueError(502, faultMessages[502] ?? 'Bad Gateway')
    return c.json(record.user)
  })

  registerAdminRoutes(app, deps)
  registerSessionRoutes(app, deps)

  return {
    app,
    faults,
    invites,
    inviteRequests,
    users: () => users.all().map((record) => structuredClone(record.user)),
    adminToken: (ttlSeconds) => tokens.adminToken(ttlSeconds),
    reset() {
      users.clear()
      invites.length = 0
      inviteRequests.length = 0
      faults.clear()
    },
    close: () => users.close(),
  }
}

async function inviteParams(c: Context): Promise<{ email: string; data: Record<string, unknown> | null }> {
  const decoded = decodeJsonObject(await c.req.text(), 'api.InviteParams')
  if (!decoded.ok) throw new GoTrueError(400, `Could not read Invite params: ${decoded.reason}`)
  const reason =
    fieldTypeError(decoded.value, 'email', 'string', 'InviteParams') ?? fieldTypeError(decoded.value, 'data', 'object', 'InviteParams')
  if (reason) throw new GoTrueError(400, `Could not read Invite params: ${reason}`)
  const { email, data } = decoded.value as { email?: string | null; data?: Record<string, unknown> | null }
  return { email: email ?? '', data: data ?? null }
}

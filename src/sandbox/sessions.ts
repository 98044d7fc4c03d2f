import type { Context, Hono } from 'hono'
import { bearerToken, verifiedClaims } from './admin.ts'
import { GoTrueError, OAuthError, decodeJsonObject, fieldTypeError } from './gotrue-errors.ts'
import { hashPassword, verifyPassword } from './passwords.ts'
import { ACCESS_TOKEN_TTL_SECONDS, secureToken, type TokenKit } from './tokens.ts'
import { UUID_PATTERN, goTime, type StoredUser, type UserRepository } from './users.ts'

export interface SessionDeps {
  tokens: TokenKit
  users: UserRepository
  now: () => number
}

/** Invite tokens stop working after 7 days, Netlify's default since 2026. */
const INVITE_TTL_MS = 7 * 24 * 3600 * 1000
const BAD_CREDENTIALS = 'No user found with that email, or password invalid.'

/** What a browser does with a user: accept the invite, log in, refresh, read itself. */
export function registerSessionRoutes(app: Hono, deps: SessionDeps): void {
  const { users, tokens, now } = deps

  async function issueTokens(record: StoredUser) {
    const refreshToken = secureToken()
    record.refreshTokens.push(refreshToken)
    record.user.last_sign_in_at = goTime(now())
    users.save(record)
    const { id, email, app_metadata, user_metadata } = record.user
    const accessToken = await tokens.accessToken({ sub: id, email, app_metadata, user_metadata })
    return { access_token: accessToken, token_type: 'bearer', expires_in: ACCESS_TOKEN_TTL_SECONDS, refresh_token: refreshToken }
  }

  app.post('/verify', async (c) => {
    const params = await verifyParams(c)
    if (!params.token) throw new GoTrueError(422, 'Verify requires a token')
    // The sandbox never sends recovery or email-change mails, so no such token can match.
    if (params.type === 'recovery' || params.type === 'magiclink' || params.type === 'email_change') {
      throw new GoTrueError(404, 'User not found')
    }
    if (params.type !== 'signup') throw new GoTrueError(422, 'Verify requires a verification type')

    const record = users.byConfirmationToken(params.token)
    if (!record) throw new GoTrueError(404, 'User not found')
    const invitedAt = record.user.invited_at ? Date.parse(record.user.invited_at) : undefined
    if (invitedAt !== undefined && now() > invitedAt + INVITE_TTL_MS) throw new GoTrueError(401, 'Confirmation token expired')
    const needsPassword = !record.passwordHash && record.user.invited_at !== undefined
    if (needsPassword && !params.password) throw new GoTrueError(422, 'Invited users must specify a password')
    // Spent before the first await, so two racing verifies of one token cannot both win.
    delete record.confirmationToken
    if (needsPassword) record.passwordHash = await hashPassword(params.password ?? '')
    const at = goTime(now())
    record.user.confirmed_at = at
    record.user.updated_at = at
    return c.json(await issueTokens(record))
  })

  app.post('/token', async (c) => {
    const param = await tokenParams(c)
    const grantType = param('grant_type')
    if (grantType === 'password') {
      const record = users.byEmail(param('username'))
      if (!record) throw new OAuthError('invalid_grant', BAD_CREDENTIALS)
      if (!record.user.confirmed_at) throw new OAuthError('invalid_grant', 'Email not confirmed')
      if (!record.passwordHash || !(await verifyPassword(param('password'), record.passwordHash))) {
        throw new OAuthError('invalid_grant', BAD_CREDENTIALS)
      }
      return c.json(await issueTokens(record))
    }
    if (grantType === 'refresh_token') {
      const refreshToken = param('refresh_token')
      if (!refreshToken) throw new OAuthError('invalid_request', 'refresh_token required')
      const record = users.byRefreshToken(refreshToken)
      if (!record) throw new OAuthError('invalid_grant', 'Invalid Refresh Token')
      // GoTrue rotates: the old refresh token is spent.
      record.refreshTokens = record.refreshTokens.filter((t) => t !== refreshToken)
      return c.json(await issueTokens(record))
    }
    throw new OAuthError('unsupported_grant_type', '')
  })

  app.get('/user', async (c) => {
    const claims = await verifiedClaims(tokens, bearerToken(c))
    const sub = typeof claims.sub === 'string' ? claims.sub : ''
    if (!UUID_PATTERN.test(sub)) throw new GoTrueError(400, 'Could not read User ID claim')
    const record = users.byId(sub.toLowerCase())
    if (!record) throw new GoTrueError(404, 'User not found')
    return c.json(record.user)
  })
}

const VERIFY_FIELDS = ['type', 'token', 'password', 'redirect_to'] as const

async function verifyParams(c: Context): Promise<Partial<Record<(typeof VERIFY_FIELDS)[number], string>>> {
  const decoded = decodeJsonObject(await c.req.text(), 'api.VerifyParams')
  if (!decoded.ok) throw new GoTrueError(400, `Could not read verification params: ${decoded.reason}`)
  for (const field of VERIFY_FIELDS) {
    const reason = fieldTypeError(decoded.value, field, 'string', 'VerifyParams')
    if (reason) throw new GoTrueError(400, `Could not read verification params: ${reason}`)
  }
  return decoded.value as Partial<Record<(typeof VERIFY_FIELDS)[number], string>>
}

/** Go's r.FormValue: form body first, then the query; JSON is accepted too, as gotrue-js clients vary. */
async function tokenParams(c: Context): Promise<(name: string) => string> {
  const text = await c.req.text()
  let body: Record<string, unknown> = {}
  if ((c.req.header('content-type') ?? '').includes('application/json')) {
    const decoded = decodeJsonObject(text, 'url.Values')
    if (decoded.ok) body = decoded.value
  } else {
    body = Object.fromEntries(new URLSearchParams(text))
  }
  return (name) => {
    const value = body[name]
    return typeof value === 'string' ? value : (c.req.query(name) ?? '')
  }
}

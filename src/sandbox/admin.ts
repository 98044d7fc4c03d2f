import type { Context, Hono, MiddlewareHandler } from 'hono'
import { GoTrueError, decodeJsonObject, fieldTypeError } from './gotrue-errors.ts'
import { hashPassword } from './passwords.ts'
import { JwtError, type TokenKit } from './tokens.ts'
import { UUID_PATTERN, goTime, mergeMetadata, type StoredUser, type UserRepository } from './users.ts'

export interface AdminDeps {
  tokens: TokenKit
  users: UserRepository
  now: () => number
}

const BEARER = /^[Bb]earer (\S+)$/
const SYSTEM_USER_IDS = new Set(['0', '00000000-0000-0000-0000-000000000000'])

/** The bearer token of a request, or GoTrue's 401 when there is none. */
export function bearerToken(c: Context): string {
  const match = BEARER.exec(c.req.header('authorization') ?? '')
  if (!match?.[1]) throw new GoTrueError(401, 'This endpoint requires a Bearer token')
  return match[1]
}

/** Verifies a token the way GoTrue's parseJWTClaims does, with its 401 wording. */
export async function verifiedClaims(tokens: TokenKit, token: string): Promise<Record<string, unknown>> {
  try {
    return await tokens.verify(token)
  } catch (err) {
    if (err instanceof JwtError) throw new GoTrueError(401, `Invalid token: ${err.message}`)
    throw err
  }
}

/**
 * GoTrue's requireAdminCredentials: the system user (`sub` "0") or a user whose
 * top-level role is `admin`. Roles inside app_metadata do not count: that is
 * why a site member's own token gets `User not allowed`.
 */
export function requireAdminCredentials({ tokens, users }: AdminDeps): MiddlewareHandler {
  return async function requireAdminCredentials(c, next) {
    const claims = await verifiedClaims(tokens, bearerToken(c))
    const sub = typeof claims.sub === 'string' ? claims.sub : ''
    if (!SYSTEM_USER_IDS.has(sub)) {
      const admin = users.byId(sub)
      if (!admin) throw new GoTrueError(401, 'Invalid admin user')
      if (admin.user.role !== 'admin') throw new GoTrueError(401, 'User not allowed')
    }
    await next()
  }
}

export function registerAdminRoutes(app: Hono, deps: AdminDeps): void {
  const { users, now } = deps
  app.use('/admin/*', requireAdminCredentials(deps))

  app.get('/admin/users', (c) => {
    const page = pageParam(c.req.query('page'), 1)
    const perPage = pageParam(c.req.query('per_page'), 50)
    const descending = sortDescending(c.req.query('sort'))
    const matches = users.all().filter(filterMatcher(c.req.query('filter')))
    if (descending) matches.reverse()
    const lastPage = Math.ceil(matches.length / perPage)
    const url = new URL(c.req.url)
    const link = (n: number, rel: string) => {
      url.searchParams.set('page', String(n))
      return `<${url.toString()}>; rel="${rel}"`
    }
    c.header('Link', [...(page < lastPage ? [link(page + 1, 'next')] : []), link(lastPage, 'last')].join(', '))
    c.header('X-Total-Count', String(matches.length))
    const slice = matches.slice((page - 1) * perPage, page * perPage).map((r) => r.user)
    return c.json({ users: slice, aud: '' })
  })

  app.get('/admin/users/:id', (c) => c.json(loadUser(users, c.req.param('id')).user))

  app.put('/admin/users/:id', async (c) => {
    const id = loadUser(users, c.req.param('id')).user.id
    const params = await adminParams(c)
    const passwordHash = typeof params.password === 'string' && params.password !== '' ? await hashPassword(params.password) : undefined
    // Looked up again after the awaits: a concurrent DELETE may have won.
    const record = loadUser(users, id)
    const user = record.user
    const at = goTime(now())
    if (typeof params.role === 'string' && params.role !== '') user.role = params.role
    if (params.confirm === true) {
      user.confirmed_at = at
      delete record.confirmationToken
    }
    if (passwordHash) record.passwordHash = passwordHash
    if (typeof params.email === 'string' && params.email !== '') user.email = params.email
    if (isObject(params.app_metadata)) user.app_metadata = mergeMetadata(user.app_metadata, params.app_metadata)
    if (isObject(params.user_metadata)) user.user_metadata = mergeMetadata(user.user_metadata, params.user_metadata)
    user.updated_at = at
    users.save(record)
    return c.json(user)
  })

  app.delete('/admin/users/:id', (c) => {
    users.remove(loadUser(users, c.req.param('id')).user.id)
    return c.json({})
  })
}

function loadUser(users: UserRepository, id: string): StoredUser {
  if (!UUID_PATTERN.test(id)) throw new GoTrueError(400, 'user_id must be an UUID')
  const record = users.byId(id.toLowerCase())
  if (!record) throw new GoTrueError(404, 'User not found')
  return record
}

const ADMIN_FIELDS = [
  ['role', 'string'],
  ['email', 'string'],
  ['password', 'string'],
  ['confirm', 'bool'],
  ['app_metadata', 'object'],
  ['user_metadata', 'object'],
] as const

async function adminParams(c: Context): Promise<Record<string, unknown>> {
  const decoded = decodeJsonObject(await c.req.text(), 'api.adminUserParams')
  if (!decoded.ok) throw new GoTrueError(400, `Could not decode admin user params: ${decoded.reason}`)
  for (const [field, kind] of ADMIN_FIELDS) {
    const reason = fieldTypeError(decoded.value, field, kind, 'adminUserParams')
    if (reason) throw new GoTrueError(400, `Could not decode admin user params: ${reason}`)
  }
  return decoded.value
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function pageParam(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw)) throw new GoTrueError(400, `Bad Pagination Parameters: strconv.ParseUint: parsing "${raw}": invalid syntax`)
  return Math.max(1, Number(raw))
}

function sortDescending(raw: string | undefined): boolean {
  if (!raw) return true
  const [field, dir = 'desc', ...rest] = raw.split(' ')
  if (field !== 'created_at' || rest.length > 0) throw new GoTrueError(400, `Bad Sort Parameters: bad field for sort '${field ?? ''}'`)
  const upper = dir.toUpperCase()
  if (upper !== 'ASC' && upper !== 'DESC') {
    throw new GoTrueError(400, `Bad Sort Parameters: bad direction for sort '${dir}', only 'asc' and 'desc' allowed`)
  }
  return upper === 'DESC'
}

/** GoTrue's `email LIKE %f% OR full_name LIKE %f%` under a case-insensitive collation: `%` and `_` stay wildcards. */
function filterMatcher(filter: string | undefined): (record: StoredUser) => boolean {
  if (!filter) return () => true
  const pattern = new RegExp(likeSource(filter), 'is')
  return ({ user }) => {
    const fullName = user.user_metadata?.full_name
    return pattern.test(user.email) || (typeof fullName === 'string' && pattern.test(fullName))
  }
}

/** The regular expression source of the SQL pattern `%filter%`: `%` and `_` are wildcards, a backslash escapes the next character. */
export function likeSource(filter: string): string {
  let source = ''
  for (let i = 0; i < filter.length; i++) {
    const ch = filter[i] ?? ''
    if (ch === '\\' && i + 1 < filter.length) source += escapeRegex(filter[++i] ?? '')
    else if (ch === '%') source += '.*'
    else if (ch === '_') source += '.'
    else source += escapeRegex(ch)
  }
  return source
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

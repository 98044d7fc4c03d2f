import type { Hono } from 'hono'
import { requireAdminCredentials, type ProjectKeys } from './auth.ts'
import { SupabaseAuthError } from './errors.ts'
import { isObject, jsonParams, validateEmail } from './params.ts'
import { filterMatcher, mergeTopLevel, UUID, type SupabaseUser } from './users.ts'

/** `/admin/users` (internal/api/admin.go): list with filter and pages, read one, update one. */
export function registerAdminRoutes(app: Hono, deps: { keys: ProjectKeys; byId: Map<string, SupabaseUser>; time: () => string }): void {
  const { keys, byId, time } = deps
  app.use('/admin/*', requireAdminCredentials(keys))

  app.get('/admin/users', (c) => {
    const page = pageParam(c.req.query('page'), 1)
    const perPage = pageParam(c.req.query('per_page'), 50)
    const ascending = sortAscending(c.req.query('sort'))
    const matches = [...byId.values()].filter(filterMatcher(c.req.query('filter')))
    if (!ascending) matches.reverse()
    c.header('Link', paginationLinks(new URL(c.req.url), page, Math.ceil(matches.length / perPage)))
    c.header('X-Total-Count', String(matches.length))
    return c.json({ users: matches.slice((page - 1) * perPage, page * perPage), aud: 'authenticated' })
  })

  app.get('/admin/users/:id', (c) => c.json(loadUser(c.req.param('id'))))

  app.put('/admin/users/:id', async (c) => {
    const user = loadUser(c.req.param('id'))
    const params = await jsonParams(c)
    const email = typeof params.email === 'string' && params.email !== '' ? validateEmail(params.email) : undefined
    if (typeof params.role === 'string' && params.role !== '') user.role = params.role
    if (params.email_confirm === true) user.email_confirmed_at = user.confirmed_at = time()
    if (email) user.email = email
    if (isObject(params.app_metadata)) user.app_metadata = mergeTopLevel(user.app_metadata, params.app_metadata)
    if (isObject(params.user_metadata)) user.user_metadata = mergeTopLevel(user.user_metadata, params.user_metadata)
    user.updated_at = time()
    return c.json(user)
  })

  function loadUser(id: string): SupabaseUser {
    if (!UUID.test(id)) throw new SupabaseAuthError(404, 'validation_failed', 'user_id must be an UUID')
    const user = byId.get(id.toLowerCase())
    if (!user) throw new SupabaseAuthError(404, 'user_not_found', 'User not found')
    return user
  }
}

function pageParam(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw)) throw new SupabaseAuthError(400, 'validation_failed', `Bad Pagination Parameters: strconv.ParseUint: parsing "${raw}": invalid syntax`)
  return Math.max(1, Number(raw))
}

function sortAscending(raw: string | undefined): boolean {
  if (!raw) return false
  const [field, dir = 'desc'] = raw.split(' ', 2)
  if (field !== 'created_at') throw new SupabaseAuthError(400, 'validation_failed', `Bad Sort Parameters: bad field for sort '${field ?? ''}'`)
  const upper = dir.toUpperCase()
  if (upper !== 'ASC' && upper !== 'DESC') throw new SupabaseAuthError(400, 'validation_failed', `Bad Sort Parameters: bad direction for sort '${dir}', only 'asc' and 'desc' allowed`)
  return upper === 'ASC'
}

/** pagination.go addPaginationHeaders; Go's url.Values.Encode sorts the keys, which supabase-js's Link parsing relies on. */
function paginationLinks(url: URL, page: number, totalPages: number): string {
  const link = (n: number, rel: string) => {
    url.searchParams.set('page', String(n))
    url.searchParams.sort()
    return `<${url.toString()}>; rel="${rel}"`
  }
  return [...(totalPages > page ? [link(page + 1, 'next')] : []), link(totalPages, 'last')].join(', ')
}

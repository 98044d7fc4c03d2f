import { randomUUID } from 'node:crypto'
import { likeSource } from '../../../src/sandbox/admin.ts'

/** The JSON of models.User, as Auth answers it (internal/models/user.go), trimmed to what an email user has. */
export interface SupabaseUser {
  id: string
  aud: string
  role: string
  email: string
  phone: string
  email_confirmed_at?: string
  confirmed_at?: string
  invited_at?: string
  confirmation_sent_at?: string
  app_metadata: Record<string, unknown>
  user_metadata: Record<string, unknown>
  identities: unknown[]
  created_at: string
  updated_at: string
  is_anonymous: boolean
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** signupParams.ToUserModel for an invite: provider email, no password, not confirmed. */
export function newEmailUser(email: string, data: Record<string, unknown> | null, at: string): SupabaseUser {
  return {
    id: randomUUID(),
    aud: 'authenticated',
    role: 'authenticated',
    email,
    phone: '',
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: data ?? {},
    identities: [],
    created_at: at,
    updated_at: at,
    is_anonymous: false,
  }
}

/** models.User.UpdateAppMetaData / UpdateUserMetaData: top-level keys replace, a null value deletes the key. */
export function mergeTopLevel(current: Record<string, unknown>, updates: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...current }
  for (const [key, value] of Object.entries(updates)) {
    if (value === null) delete merged[key]
    else merged[key] = value
  }
  return merged
}

/**
 * models.FindUsersInAudience: `email LIKE %f%` (Postgres LIKE: case-sensitive)
 * `OR raw_user_meta_data->>'full_name' ILIKE %f%`; `%` and `_` stay wildcards.
 */
export function filterMatcher(filter: string | undefined): (user: SupabaseUser) => boolean {
  if (!filter) return () => true
  const source = likeSource(filter)
  const caseSensitive = new RegExp(source, 's')
  const caseInsensitive = new RegExp(source, 'is')
  return (user) => {
    const fullName = user.user_metadata.full_name
    return caseSensitive.test(user.email) || (typeof fullName === 'string' && caseInsensitive.test(fullName))
  }
}

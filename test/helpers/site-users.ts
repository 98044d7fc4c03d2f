import type { IdentitySandbox } from '../../src/sandbox/identity-sandbox.ts'

/**
 * A confirmed site user who can sign in with a password, made the way a site
 * owner makes one: invited, then given a password and roles through
 * identity's admin API (Netlify keeps site roles in app_metadata.roles).
 */
export async function addSiteUser(sandbox: IdentitySandbox, user: { email: string; password: string; roles: string[] }): Promise<void> {
  const authorization = `Bearer ${await sandbox.adminToken()}`
  const call = (method: string, path: string, body: unknown) =>
    sandbox.app.request(path, { method, headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) })

  const invited = await call('POST', '/invite', { email: user.email })
  if (!invited.ok) throw new Error(`identity refused to invite ${user.email}: ${invited.status} ${await invited.text()}`)
  const { id } = (await invited.json()) as { id: string }
  const updated = await call('PUT', `/admin/users/${id}`, { password: user.password, confirm: true, app_metadata: { roles: user.roles } })
  if (!updated.ok) throw new Error(`identity refused to update ${user.email}: ${updated.status} ${await updated.text()}`)
}

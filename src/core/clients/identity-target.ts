import type { IdentitySettings } from '../config/config.ts'
import { NotConfiguredError } from '../domain/errors.ts'
import type { IdentityCredential, IdentityTarget, RuntimeIdentity } from '../domain/identity.ts'

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

import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** apierrors.HTTPError: a status, an error code and a message (internal/api/apierrors/apierrors.go). */
export class SupabaseAuthError extends Error {
  override readonly name = 'SupabaseAuthError'
  readonly status: ContentfulStatusCode
  readonly code: string
  readonly headers: Record<string, string>
  constructor(status: ContentfulStatusCode, code: string, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.status = status
    this.code = code
    this.headers = headers
  }
}

/** Kong, in front of Auth on a Supabase project, refuses a request without a known `apikey` before Auth sees it. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError'
}

/**
 * internal/api/errors.go handleResponseErrorHTTP: `x-sb-error-code` always;
 * the body is `{ code, message }` when the request asked for API version
 * 2024-01-01 or later (echoed back in the header), else `{ code: status, error_code, msg }`.
 */
export function answerError(error: Error, c: Context): Response {
  if (error instanceof GatewayError) return c.json({ message: error.message }, 401)
  const known = error instanceof SupabaseAuthError ? error : new SupabaseAuthError(500, 'unexpected_failure', 'Unexpected failure, please check server logs for more information')
  for (const [name, value] of Object.entries(known.headers)) c.header(name, value)
  c.header('x-sb-error-code', known.code)
  const version = c.req.header('x-supabase-api-version') ?? ''
  if (/^\d{4}-\d{2}-\d{2}$/.test(version) && version >= '2024-01-01') {
    c.header('x-supabase-api-version', '2024-01-01')
    return c.json({ code: known.code, message: known.message }, known.status)
  }
  const errorId = known.status >= 500 ? { error_id: crypto.randomUUID() } : {}
  return c.json({ code: known.status, error_code: known.code, msg: known.message, ...errorId }, known.status)
}

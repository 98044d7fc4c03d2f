import { UpstreamError } from '../domain/errors.ts'
import type { InviteResult } from '../domain/identity.ts'

/**
 * Supabase Auth's error answers, read and mapped onto the bridge's outcomes.
 * Facts and their source lines: docs/supabase-auth-contract.md.
 */

/** An error answer from Supabase Auth, whichever API version shaped it. */
export interface SupabaseError {
  status: number
  /** `error_code` (initial API) or `code` (2024-01-01); undefined when the answer is not Supabase's JSON (a proxy's page). */
  code: string | undefined
  /** The server's message with any email address taken out: these messages reach answers and logs. */
  message: string
}

/**
 * Initial API: `{ code: <status>, error_code, msg }`; 2024-01-01 (which we
 * ask for): `{ code: <error code>, message }`. Both also send the code as
 * `x-sb-error-code` (internal/api/errors.go handleResponseErrorHTTP).
 */
export async function readSupabaseError(response: Response): Promise<SupabaseError> {
  const text = await response.text().catch(() => '')
  let body: Record<string, unknown> = {}
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>
  } catch {
    // Not Supabase's JSON: only the status is known.
  }
  const code =
    typeof body.code === 'string' ? body.code : typeof body.error_code === 'string' ? body.error_code : (response.headers.get('x-sb-error-code') ?? undefined)
  const raw = typeof body.message === 'string' ? body.message : typeof body.msg === 'string' ? body.msg : ''
  return { status: response.status, code, message: withoutAddresses(raw) }
}

/** `Email address "ann@x.example" is invalid` → `Email address (address) is invalid`. */
function withoutAddresses(message: string): string {
  return message.replace(/"[^"]*@[^"]*"/g, '(address)').replace(/[^\s"'<>()]+@[^\s"'<>()]+/g, '(address)')
}

/** The POST /invite answers that are final; everything else is thrown as retryable by supabaseFailure. */
export function finalInviteAnswer(error: SupabaseError): InviteResult | undefined {
  // invite.go: a confirmed user with this address. (An unconfirmed one is invited again with 200.)
  if (error.status === 422 && error.code === 'email_exists') return { outcome: 'already_registered' }
  // mail.go validateEmail (empty, too long, bad format) and the mailer's own address check.
  if (error.status === 400 && (error.code === 'validation_failed' || error.code === 'email_address_invalid')) {
    return { outcome: 'rejected', reason: error.message || error.code }
  }
  return undefined
}


/** A call that failed in a way a later retry may fix: nothing was confirmed, so nothing is recorded. */
export function supabaseFailure(error: SupabaseError, retryAfter: number | undefined, call: string): UpstreamError {
  const { status, code } = error
  const detail = [code, error.message].filter(Boolean).join(': ')
  const said = detail ? ` (${detail})` : ''
  if (status === 401 || status === 403) {
    // 401 from the API gateway (apikey), 401 no_authorization / 403 bad_jwt / 403 not_admin from Auth itself.
    return new UpstreamError(503, 'identity_auth_failed', `Supabase Auth rejected the service role key on ${call} (${status}${said}); check SUPABASE_SERVICE_ROLE_KEY`)
  }
  if (status === 429) {
    const why = code === 'over_email_send_rate_limit' ? "Supabase Auth's hourly email limit is reached (RATE_LIMIT_EMAIL_SENT)" : 'Supabase Auth is rate limiting requests'
    return new UpstreamError(503, 'identity_rate_limited', `${why}${said}`, { retryAfter })
  }
  if (code === 'email_address_not_authorized') {
    // Supabase's built-in mailer only writes to the project's team; the address is fine, the project is not set up yet.
    return new UpstreamError(502, 'identity_failed', 'Supabase Auth may not mail this address (email_address_not_authorized): set up custom SMTP for the project; the delivery may be retried then', { retryAfter })
  }
  return new UpstreamError(502, 'identity_failed', `Supabase Auth answered ${status} to ${call}${said}`, { retryAfter })
}

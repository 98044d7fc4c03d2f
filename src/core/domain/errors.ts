import type { ContentfulStatusCode } from 'hono/utils/http-status'

/**
 * The one error family of a request. Every failure a request can meet is a
 * BridgeError that knows its status, its code and its headers; errorAnswer
 * turns any error into the JSON answer `{ error: { code, message } }` and the
 * log fields, in one place. Anything else that escapes is unexpected: it
 * answers 503 with no detail (most often the store failing, which a retry
 * can fix).
 *
 * Expected outcomes (duplicate, ignored, already registered, in progress) are
 * NOT errors: they are values returned by the pipeline.
 *
 * Failures before the bridge can serve at all (a bad setting, a bad rules
 * file) are StartupErrors, which have no HTTP status: `npm start` prints them
 * and exits, the Netlify function answers 503 until they are fixed.
 */

/** Codes of the upstreams the bridge calls: identity, the store, and each sender's API (`stripe_…`, `github_…`). */
type UpstreamCode =
  | 'identity_auth_failed'
  | 'identity_rate_limited'
  | 'identity_failed'
  | 'identity_timeout'
  | 'identity_unreachable'
  | 'identity_bad_answer'
  | 'store_unavailable'
  | 'store_busy'
  | `${string}_auth_failed`
  | `${string}_rate_limited`
  | `${string}_api_failed`
  | `${string}_lookup_failed`

export type ErrorCode =
  | 'bad_request'
  | 'invalid_json'
  | 'invalid_event'
  | 'missing_header'
  | 'missing_signature'
  | 'invalid_signature'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'payload_too_large'
  | 'bridge_busy'
  | 'batch_too_large'
  | 'source_disabled'
  | 'identity_not_configured'
  | 'api_not_configured'
  | 'event_id_mismatch'
  | 'identity_lookup_too_broad'
  | 'internal_error'
  | UpstreamCode

export class BridgeError extends Error {
  override readonly name: string = 'BridgeError'
  readonly status: ContentfulStatusCode
  readonly code: ErrorCode
  /** Seconds the caller should wait before retrying, when we know it. */
  readonly retryAfter: number | undefined

  constructor(status: ContentfulStatusCode, code: ErrorCode, message: string, options?: { retryAfter?: number; cause?: unknown }) {
    super(message, { cause: options?.cause })
    this.status = status
    this.code = code
    this.retryAfter = options?.retryAfter
  }

  /** Headers the answer carries besides the JSON body. */
  headers(): Record<string, string> {
    return this.retryAfter !== undefined ? { 'Retry-After': String(this.retryAfter) } : {}
  }
}

/** 400: the request cannot be read at all (missing header, body not JSON, bad field). */
export class BadRequestError extends BridgeError {
  override readonly name = 'BadRequestError'
  constructor(message: string, code: Extract<ErrorCode, 'bad_request' | 'invalid_json' | 'invalid_event' | 'missing_header' | 'missing_signature'> = 'bad_request') {
    super(400, code, message)
  }
}

/** 401: the signature is missing, malformed, stale, or made with none of our secrets. */
export class SignatureError extends BridgeError {
  override readonly name = 'SignatureError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(401, 'invalid_signature', message, options)
  }
}

/** 413: the body is over the configured limit; it was not read to the end. */
export class PayloadTooLargeError extends BridgeError {
  override readonly name = 'PayloadTooLargeError'
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `Request body is larger than the limit of ${limitBytes} bytes (BRIDGE_MAX_BODY_BYTES)`)
  }
}

/** 503: the bridge already holds as many request bodies as it may at once; come back in a few seconds. */
export class OverloadedError extends BridgeError {
  override readonly name = 'OverloadedError'
  constructor(message: string, retryAfter: number) {
    super(503, 'bridge_busy', message, { retryAfter })
  }
}

/** 503: the route exists but its configuration is missing (names the variable to set). */
export class NotConfiguredError extends BridgeError {
  override readonly name = 'NotConfiguredError'
  constructor(code: Extract<ErrorCode, 'source_disabled' | 'identity_not_configured' | 'api_not_configured'>, message: string) {
    super(503, code, message)
  }
}

/**
 * 502/503: an upstream (identity server, a sender's API, the store) failed in
 * a way that may pass: 5xx, 429, timeout, dropped connection, a rejected
 * admin token.
 */
export class UpstreamError extends BridgeError {
  override readonly name = 'UpstreamError'
  constructor(status: 502 | 503, code: UpstreamCode, message: string, options?: { retryAfter?: number; cause?: unknown }) {
    super(status, code, message, options)
  }
}

/** 401: no credentials, or ones that prove nothing; the challenge goes out as WWW-Authenticate. */
export class UnauthorizedError extends BridgeError {
  override readonly name = 'UnauthorizedError'
  readonly challenge: string
  constructor(message: string, options?: { invalidToken?: boolean }) {
    super(401, 'unauthorized', message)
    // RFC 6750: name the error only when a token was sent and failed.
    this.challenge = options?.invalidToken ? 'Bearer realm="invite-bridge", error="invalid_token"' : 'Bearer realm="invite-bridge"'
  }

  override headers(): Record<string, string> {
    return { ...super.headers(), 'WWW-Authenticate': this.challenge }
  }
}

/** 403: the caller is who they say, but may not do this. */
export class ForbiddenError extends BridgeError {
  override readonly name = 'ForbiddenError'
  constructor(message: string) {
    super(403, 'forbidden', message)
  }
}

/** 413: more addresses in one request than INVITE_MAX_BATCH; nothing was invited. */
export class BatchTooLargeError extends BridgeError {
  override readonly name = 'BatchTooLargeError'
  readonly max: number
  constructor(count: number, max: number) {
    super(413, 'batch_too_large', `${count} addresses in one request; the limit is ${max} (INVITE_MAX_BATCH): split the list`)
    this.max = max
  }
}

/** What an error becomes: the HTTP answer and the log fields, decided together. */
export interface ErrorAnswer {
  status: ContentfulStatusCode
  headers: Record<string, string>
  body: { error: { code: ErrorCode; message: string } }
  log: { outcome: 'error'; error: ErrorCode; status: number; message?: string; errorName?: string }
}

/** The one place an error becomes an answer: a code and a message, never a stack or a secret. */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof BridgeError) {
    return {
      status: error.status,
      headers: error.headers(),
      body: { error: { code: error.code, message: error.message } },
      log: { outcome: 'error', error: error.code, status: error.status },
    }
  }
  // Most often the store failing: transient, so "retry me" is the honest answer. The log keeps what happened.
  return {
    status: 503,
    headers: {},
    body: { error: { code: 'internal_error', message: 'The bridge failed unexpectedly; the delivery may be retried' } },
    log: {
      outcome: 'error',
      error: 'internal_error',
      status: 503,
      errorName: error instanceof Error ? error.name : 'unknown',
      message: error instanceof Error ? error.message : String(error),
    },
  }
}

/** The bridge cannot serve until a setting or the rules file is fixed; the message says what to fix. */
export class StartupError extends Error {
  override readonly name: string = 'StartupError'
}

/** A bad or missing environment setting (the message names the variable). */
export class ConfigError extends StartupError {
  override readonly name = 'ConfigError'
}

/** A rules file that is invalid, or rules that cannot work with the settings given. */
export class RulesError extends StartupError {
  override readonly name = 'RulesError'
}

import type { ContentfulStatusCode } from 'hono/utils/http-status'

/**
 * The one error family of the bridge. Every failure a request can meet is a
 * BridgeError with the status it deserves; app.onError turns it into the JSON
 * answer `{ error: { code, message } }`. Anything else that escapes is a bug
 * and becomes a bare 500 with no detail.
 *
 * Expected outcomes (duplicate, ignored, already registered, in progress) are
 * NOT errors: they are values returned by the pipeline.
 */
export class BridgeError extends Error {
  override readonly name: string = 'BridgeError'
  readonly status: ContentfulStatusCode
  readonly code: string
  /** Seconds the caller should wait before retrying, when we know it. */
  readonly retryAfter: number | undefined

  constructor(status: ContentfulStatusCode, code: string, message: string, options?: { retryAfter?: number; cause?: unknown }) {
    super(message, { cause: options?.cause })
    this.status = status
    this.code = code
    this.retryAfter = options?.retryAfter
  }

}

/** 400: the request cannot be read at all (missing header, body not JSON, bad field). */
export class BadRequestError extends BridgeError {
  override readonly name = 'BadRequestError'
  constructor(message: string, code = 'bad_request') {
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

/** 503: the route exists but its configuration is missing (names the variable to set). */
export class NotConfiguredError extends BridgeError {
  override readonly name = 'NotConfiguredError'
  constructor(code: string, message: string) {
    super(503, code, message)
  }
}

/**
 * 502/503: an upstream (identity server, GitHub API) failed in a way that may
 * pass: 5xx, 429, timeout, dropped connection, a rejected admin token.
 */
export class UpstreamError extends BridgeError {
  override readonly name = 'UpstreamError'
  constructor(status: 502 | 503, code: string, message: string, options?: { retryAfter?: number; cause?: unknown }) {
    super(status, code, message, options)
  }
}

/** 401: no credentials, or ones that prove nothing; `challenge` goes out as WWW-Authenticate. */
export class UnauthorizedError extends BridgeError {
  override readonly name = 'UnauthorizedError'
  readonly challenge: string
  constructor(message: string, options?: { invalidToken?: boolean }) {
    super(401, 'unauthorized', message)
    // RFC 6750: name the error only when a token was sent and failed.
    this.challenge = options?.invalidToken ? 'Bearer realm="invite-bridge", error="invalid_token"' : 'Bearer realm="invite-bridge"'
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

/** The log fields for a request that ended in an error; mirrors errorResponse in app.ts (unknown errors answer 503). */
export function errorLogFields(error: unknown): { outcome: 'error'; error: string; status: number } {
  return error instanceof BridgeError
    ? { outcome: 'error', error: error.code, status: error.status }
    : { outcome: 'error', error: 'internal', status: 503 }
}

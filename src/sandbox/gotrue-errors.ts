import { randomUUID } from 'node:crypto'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ConnectionDroppedError } from './faults.ts'

/** An ordinary GoTrue error: answered as `{"code","msg"}`, plus `error_id` from 500 up. */
export class GoTrueError extends Error {
  override readonly name = 'GoTrueError'
  readonly status: ContentfulStatusCode
  readonly headers: Record<string, string>

  constructor(status: ContentfulStatusCode, msg: string, headers: Record<string, string> = {}) {
    super(msg)
    this.status = status
    this.headers = headers
  }
}

/** The one route (`/token`) that answers in OAuth's shape, always with 400. */
export class OAuthError extends Error {
  override readonly name = 'OAuthError'
  readonly error: string

  constructor(error: string, description: string) {
    super(description)
    this.error = error
  }
}

function goTrueErrorBody(status: number, msg: string): { code: number; msg: string; error_id?: string } {
  return status >= 500 ? { code: status, msg, error_id: randomUUID() } : { code: status, msg }
}

/** The sandbox's app.onError: the one place where errors become answers. */
export function answerError(err: Error, c: Context): Response {
  // Rethrown so that no answer is written: the client must see a broken connection.
  if (err instanceof ConnectionDroppedError) throw err
  if (err instanceof GoTrueError) {
    return c.json(goTrueErrorBody(err.status, err.message), err.status, err.headers)
  }
  if (err instanceof OAuthError) {
    return c.json({ error: err.error, error_description: err.message }, 400)
  }
  return c.json(goTrueErrorBody(500, 'Internal server error'), 500)
}

/**
 * Decodes a body the way Go's json.Decoder does for a struct: an empty body is
 * `EOF`, JSON `null` is an empty struct, anything but an object is refused.
 * The reason strings follow Go's so that `Could not read Invite params: EOF`
 * reads exactly like the real server.
 */
export function decodeJsonObject(text: string, goType: string): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  const trimmed = text.trim()
  if (trimmed === '') return { ok: false, reason: 'EOF' }
  let value: unknown
  try {
    value = JSON.parse(trimmed)
  } catch (err) {
    const first = trimmed[0] ?? ''
    if (!/[{["\-0-9tfn]/.test(first)) return { ok: false, reason: `invalid character '${first}' looking for beginning of value` }
    const message = err instanceof Error ? err.message : String(err)
    return { ok: false, reason: /end of JSON input/i.test(message) ? 'unexpected EOF' : message }
  }
  if (value === null) return { ok: true, value: {} }
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: `json: cannot unmarshal ${goKind(value)} into Go value of type ${goType}` }
  }
  return { ok: true, value: value as Record<string, unknown> }
}

type FieldKind = 'string' | 'bool' | 'object'

/**
 * Checks one decoded field against the Go struct field it would land in.
 * Returns Go's unmarshal error text, or undefined when the value fits
 * (absent and `null` always fit: Go leaves the zero value).
 */
export function fieldTypeError(body: Record<string, unknown>, field: string, kind: FieldKind, goType: string): string | undefined {
  const value = body[field]
  if (value === undefined || value === null) return undefined
  const fits =
    kind === 'string' ? typeof value === 'string'
    : kind === 'bool' ? typeof value === 'boolean'
    : typeof value === 'object' && !Array.isArray(value)
  if (fits) return undefined
  const goFieldType = kind === 'object' ? 'map[string]interface {}' : kind
  return `json: cannot unmarshal ${goKind(value)} into Go struct field ${goType}.${field} of type ${goFieldType}`
}

function goKind(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'boolean') return 'bool'
  return typeof value
}

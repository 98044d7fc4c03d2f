import type { Context } from 'hono'
import { SupabaseAuthError } from './errors.ts'

/** checkmail.ValidateFormat, the format check of validateEmail (internal/api/mail.go). */
const EMAIL_FORMAT =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/

export const badJson = (reason: string) => new SupabaseAuthError(400, 'bad_json', `Could not parse request body as JSON: ${reason}`)

/** helpers.go retrieveRequestParams: anything json.Unmarshal refuses is 400 bad_json. */
export async function jsonParams(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw badJson((error as Error).message)
  }
  if (!isObject(parsed)) throw badJson('json: cannot unmarshal into Go value of type api.params')
  return parsed
}

/** mail.go validateEmail: 400 validation_failed, and the address lower-cased. */
export function validateEmail(value: unknown): string {
  if (value !== undefined && value !== null && typeof value !== 'string') throw badJson('json: cannot unmarshal into Go struct field .email of type string')
  const email = typeof value === 'string' ? value : ''
  if (email === '') throw new SupabaseAuthError(400, 'validation_failed', 'An email address is required')
  if (email.length > 255) throw new SupabaseAuthError(400, 'validation_failed', 'An email address is too long')
  if (!EMAIL_FORMAT.test(email)) throw new SupabaseAuthError(400, 'validation_failed', 'Unable to validate email address: invalid format')
  return email.toLowerCase()
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}


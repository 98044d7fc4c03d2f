import { BadRequestError } from '../../core/domain/errors.ts'

/**
 * The signed body as JSON. The signature held, so a body that is not JSON
 * is signed garbage, not a forgery: 400 invalid_json, with `hint` saying
 * what the sender's settings should be where that is the usual cause.
 */
export function parseSignedJson(rawBody: string, options: { hint?: string; reviver?: (key: string, value: unknown) => unknown } = {}): unknown {
  try {
    return JSON.parse(rawBody, options.reviver)
  } catch {
    throw new BadRequestError(`Signed body is not valid JSON${options.hint ? `: ${options.hint}` : ''}`, 'invalid_json')
  }
}

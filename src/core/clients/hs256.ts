import { createHmac } from 'node:crypto'

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * An HS256 JWT, as GoTrue expects an admin token: the whole of what minting
 * one needs, so the function does not carry a JWT library for it.
 */
export function signHs256(payload: Record<string, unknown>, secret: string): string {
  const signingInput = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`
}

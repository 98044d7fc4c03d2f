import { BadRequestError, SignatureError } from '../../core/domain/errors.ts'
import type { SignedRequest } from '../sender.ts'
import type { GitHubPayload } from './map.ts'
import { parseSignedJson } from '../schemes/signed-json.ts'

function requiredHeader(headers: Headers, name: string): string {
  const value = headers.get(name)?.trim()
  if (!value) throw new BadRequestError(`Missing ${name} header: is this request from GitHub?`, 'missing_header')
  return value
}

/** Checks `X-Hub-Signature-256` against every secret (rotation); any failure to verify is "no match". */
async function verifyGitHubSignature(rawBody: string, signature: string, secrets: string[]): Promise<boolean> {
  const { verifyWithFallback } = await import('@octokit/webhooks-methods')
  const [first, ...rest] = secrets
  if (!first) return false
  try {
    return await verifyWithFallback(first, rawBody, signature, rest)
  } catch {
    return false
  }
}

/** A verified GitHub delivery: the event name and delivery id from the headers, and the parsed body. */
export interface VerifiedGitHubDelivery {
  name: string
  deliveryId: string
  payload: GitHubPayload
}

/** Checks the headers and the signature, then parses the body; throws BadRequestError or SignatureError. */
export async function verifyGitHubDelivery(request: SignedRequest, secrets: string[]): Promise<VerifiedGitHubDelivery> {
  const { headers, rawBody } = request
  const signature = headers.get('x-hub-signature-256')?.trim()
  if (!signature) {
    throw new BadRequestError('Missing X-Hub-Signature-256 header: set the webhook secret in GitHub', 'missing_signature')
  }
  const name = requiredHeader(headers, 'x-github-event')
  const deliveryId = requiredHeader(headers, 'x-github-delivery')
  if (!(await verifyGitHubSignature(rawBody, signature, secrets))) {
    throw new SignatureError('GitHub signature does not match any configured GITHUB_WEBHOOK_SECRET (is the content type application/json?)')
  }
  const payload = parseSignedJson(rawBody, { hint: 'set the webhook content type to application/json' }) as GitHubPayload
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new BadRequestError('Signed body is not a JSON object', 'invalid_json')
  }
  return { name, deliveryId, payload }
}

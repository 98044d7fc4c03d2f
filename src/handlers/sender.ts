import type { SourceName } from '../core/config/config.ts'
import type { Delivery } from '../core/domain/delivery.ts'

/** What one webhook request brings, read once at the door. */
export interface SignedRequest {
  rawBody: string
  headers: Headers
  /** ms since the epoch, for signature age checks. */
  now: number
}

/**
 * A webhook source has two jobs, kept as plain functions: verify the raw
 * request against any of its secrets (throwing SignatureError or
 * BadRequestError), and map the verified event to what it means for the
 * pipeline. Nothing here does I/O beyond loading its own verifier.
 */
export interface WebhookSource<Settings extends { secrets: string[] }> {
  name: SourceName
  /** Verifies and maps; the result is safe to act on. */
  receive(request: SignedRequest, settings: Settings): Promise<Delivery>
}

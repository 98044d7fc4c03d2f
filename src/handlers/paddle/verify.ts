import { BadRequestError, SignatureError } from '../../core/domain/errors.ts'
import type { SignedRequest } from '../sender.ts'
import { anySignatureMatches, parsePaddleSignature } from './signature.ts'
import { parseSignedJson } from '../schemes/signed-json.ts'

export interface PaddleVerifySettings {
  secrets: string[]
  /** Oldest (and furthest ahead) accepted signature, in seconds. */
  toleranceSeconds: number
}

/** The part of a Paddle notification the bridge reads. */
export interface PaddleEventLike {
  event_id: string
  event_type: string
  occurred_at?: string
  data: Record<string, unknown>
}

/**
 * Verifies `Paddle-Signature` on the raw body with node:crypto (no SDK on the
 * hot path), then parses. Paddle's SDK allows 5 s; Paddle signs each retry
 * afresh, so a wider window (300 s by default) only absorbs clock skew and
 * queueing, and a signature from further ahead than that is refused too.
 */
export function verifyPaddleEvent(request: SignedRequest, settings: PaddleVerifySettings): PaddleEventLike {
  const raw = request.headers.get('paddle-signature')
  if (!raw) throw new BadRequestError('Missing Paddle-Signature header: is this request from Paddle?', 'missing_signature')
  const header = parsePaddleSignature(raw)
  if (!header) throw new SignatureError('Paddle-Signature is not "ts=<seconds>;h1=<hex>"')
  if (!anySignatureMatches(request.rawBody, header, settings.secrets)) {
    throw new SignatureError('Paddle signature does not match any configured PADDLE_WEBHOOK_SECRET (is the raw body forwarded unchanged?)')
  }
  const age = request.now / 1000 - header.ts
  if (Math.abs(age) > settings.toleranceSeconds) {
    throw new SignatureError(
      age > 0
        ? `Paddle signature timestamp is older than ${settings.toleranceSeconds} s (PADDLE_TOLERANCE_SECONDS): replayed or delayed delivery`
        : `Paddle signature timestamp is more than ${settings.toleranceSeconds} s in the future: check this machine's clock`,
    )
  }
  const event = parseSignedJson(request.rawBody)
  const candidate = event as Partial<PaddleEventLike> | null
  if (
    candidate === null || typeof candidate !== 'object' || Array.isArray(candidate) ||
    typeof candidate.event_id !== 'string' || !candidate.event_id || typeof candidate.event_type !== 'string' ||
    candidate.data === null || typeof candidate.data !== 'object'
  ) {
    throw new BadRequestError('Signed Paddle notification has no event_id, event_type or data', 'invalid_event')
  }
  return candidate as PaddleEventLike
}

import { middleware } from './middleware.ts'
import { OverloadedError, PayloadTooLargeError } from '../../core/domain/errors.ts'

/**
 * Bytes of request bodies the process holds at once, across every route of
 * one app. A body is held from before it is read until its answer is sent,
 * signature unchecked or not: a flood of unsigned near-limit bodies must not
 * take the process's memory.
 */
export interface BodyBudget {
  /** Takes `bytes` when they fit; false, taking nothing, when they do not. */
  take(bytes: number): boolean
  give(bytes: number): void
  /** Bytes taken and not yet given back. */
  held(): number
}

export function bodyBudget(maxBytes: number): BodyBudget {
  let held = 0
  return {
    take(bytes) {
      if (held + bytes > maxBytes) return false
      held += bytes
      return true
    },
    give(bytes) {
      held -= bytes
    },
    held: () => held,
  }
}

export interface BodyLimitOptions {
  /** BRIDGE_MAX_BODY_BYTES: the largest body one request may have. */
  maxBytes: number
  budget: BodyBudget
  /** What a 503 for a full budget tells the sender; bodies are answered in well under a second. */
  retryAfterSeconds?: number
}

/**
 * Refuses a body over the limit as soon as that is known: a declared
 * Content-Length at once, unread (the server discards the rest); a chunked
 * body at the chunk that passes the limit. A body's bytes are reserved in the
 * budget before they are read (a declared length whole, a chunked body chunk
 * by chunk) and given back once the answer is out; when they do not fit, the
 * answer is 503 with Retry-After, which Stripe and most senders retry.
 */
export function bodyLimit(options: BodyLimitOptions) {
  const { maxBytes, budget } = options
  const busy = () =>
    new OverloadedError('The bridge is holding as many request bodies as it may (BRIDGE_MAX_INFLIGHT_BYTES); send again shortly', options.retryAfterSeconds ?? 5)

  return middleware(async function bodyLimit(c, next) {
    const declared = declaredLength(c.req.raw.headers)
    if (declared !== undefined && declared > maxBytes) throw new PayloadTooLargeError(maxBytes)
    if (declared !== undefined && !budget.take(declared)) throw busy()
    // Only a body of unknown length is looked at here: on Node, touching `body` starts reading it.
    const body = declared === undefined ? c.req.raw.body : null
    if (declared === undefined && !body) return next()

    let held = declared ?? 0
    try {
      if (body) {
        const bytes = await readAtMost(body, maxBytes, (chunk) => {
          if (!budget.take(chunk)) throw busy()
          held += chunk
        })
        c.req.raw = new Request(c.req.raw, { body: bytes })
      }
      await next()
    } finally {
      budget.give(held)
    }
  })
}

/**
 * Content-Length when it is the body's length: with Transfer-Encoding the
 * length is the stream's (RFC 9112 §6.3), and Node's parser ends a body at its
 * declared length, so a declared length is one the body cannot pass.
 */
function declaredLength(headers: Headers): number | undefined {
  if (headers.has('transfer-encoding')) return undefined
  const value = headers.get('content-length')
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined
}

/** Reads a stream of unknown length, refusing it at the first chunk past `maxBytes`; `reserve` may refuse a chunk too. */
async function readAtMost(stream: ReadableStream<Uint8Array>, maxBytes: number, reserve: (bytes: number) => void): Promise<Buffer<ArrayBuffer>> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      size += read.value.byteLength
      // Not cancelled: that would drop the connection before the answer is sent; the server discards the rest.
      if (size > maxBytes) throw new PayloadTooLargeError(maxBytes)
      reserve(read.value.byteLength)
      chunks.push(read.value)
    }
  } finally {
    reader.releaseLock()
  }
  return Buffer.concat(chunks, size)
}

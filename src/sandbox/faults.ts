/**
 * Switchable failures for POST /invite, so the bridge's tests can prove how it
 * retries. One fault is active at a time; `times` counts the requests it still
 * applies to (default: every request until cleared).
 */
export type Fault =
  | { kind: 'status'; status: 500 | 502 | 503 | 429; times?: number; retryAfter?: number }
  | { kind: 'slow'; delayMs: number; times?: number }
  | { kind: 'drop'; times?: number }
  | { kind: 'commit-then-fail'; times?: number }
  /** A proxy in front of identity answers 200 with its own HTML page; the request never reaches GoTrue. */
  | { kind: 'html'; times?: number }

/** A fault as it was set, with `times` made explicit. */
export type ActiveFault = Fault & { times: number }

export interface FaultSwitch {
  /** Replaces the active fault. */
  set(fault: Fault): void
  clear(): void
  /** Uses one of the active fault's `times` and returns it; undefined when none applies. */
  take(): ActiveFault | undefined
}

export function createFaultSwitch(): FaultSwitch {
  let active: ActiveFault | undefined

  return {
    set(fault) {
      const times = fault.times ?? Infinity
      if (!(times >= 0)) throw new RangeError(`Fault times must be a number >= 0, got ${String(fault.times)}`)
      active = { ...fault, times }
    },
    clear() {
      active = undefined
    },
    take() {
      if (!active || active.times <= 0) return undefined
      const taken = active
      active = { ...active, times: active.times - 1 }
      return taken
    },
  }
}

/** Raised when the connection was destroyed on purpose; the app must not turn it into an answer. */
export class ConnectionDroppedError extends Error {
  override readonly name = 'ConnectionDroppedError'
  constructor() {
    super('Identity sandbox dropped the connection (fault "drop")')
  }
}

interface NodeBindings {
  incoming?: { socket?: { destroy(): void } | null }
}

/**
 * Destroys the client's socket where the request came through @hono/node-server;
 * the Response returned then has nowhere to go. Under `app.request()` there is
 * no socket, so it throws instead and the caller's promise rejects like a
 * dropped fetch.
 */
export function dropConnection(env: unknown): Response {
  const socket = (env as NodeBindings | undefined)?.incoming?.socket
  if (!socket) throw new ConnectionDroppedError()
  socket.destroy()
  return new Response(null, { status: 500 })
}

/** GoTrue-shaped messages for the statuses a status fault can answer. */
export const faultMessages: Record<number, string> = {
  500: 'Error inviting user',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  429: 'Too Many Requests',
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** The admin API as the CLI calls it: `--url` plus /invite-bridge/api, signed in like `invite`. */
export interface AdminClient {
  get(path: string): Promise<any>
  post(path: string): Promise<{ status: number; body: any }>
}

const TIMEOUT_MS = 30_000

/** Thrown for an answer that is not 2xx: the bridge's own message, or what came back instead. */
export class BridgeAnswerError extends Error {
  override readonly name = 'BridgeAnswerError'
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

export function adminClient(options: { url: string; authorization: string; fetch?: typeof fetch }): AdminClient {
  const doFetch = options.fetch ?? fetch
  async function call(method: 'GET' | 'POST', path: string) {
    const target = `${options.url}/invite-bridge/api${path}`
    let response: Response
    try {
      response = await doFetch(target, { method, headers: { authorization: options.authorization }, signal: AbortSignal.timeout(TIMEOUT_MS) })
    } catch (error) {
      throw new Error(`cannot reach the bridge at ${options.url}: ${(error as Error).message}`)
    }
    const text = await response.text()
    let body: any = null
    try {
      body = JSON.parse(text)
    } catch {
      /* not JSON: a proxy's page, or an old bridge without the admin API */
    }
    if (!response.ok) {
      const reason = body?.error?.message ?? (response.status === 404 ? 'not found (is this bridge recent enough to have the event log?)' : text.slice(0, 200))
      throw new BridgeAnswerError(response.status, `${method} ${path} answered ${response.status}: ${reason}`)
    }
    return { status: response.status, body }
  }
  return {
    get: async (path) => (await call('GET', path)).body,
    post: (path) => call('POST', path),
  }
}

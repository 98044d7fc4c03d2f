import { ADMIN_API } from '../handlers/routes/admin-api.ts'

/** The admin API as the CLI calls it: `--url` plus /invite-bridge/api, signed in like `invite`. */
export interface AdminClient {
  get(path: string): Promise<any>
  post(path: string): Promise<any>
}

const TIMEOUT_MS = 30_000

/** Answers with the JSON body; an answer that is not 2xx throws the bridge's own message, or what came back instead. */
export function adminClient(options: { url: string; authorization: string }): AdminClient {
  async function call(method: 'GET' | 'POST', path: string) {
    const target = `${options.url}${ADMIN_API}${path}`
    let response: Response
    try {
      response = await fetch(target, { method, headers: { authorization: options.authorization }, signal: AbortSignal.timeout(TIMEOUT_MS) })
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
      throw new Error(`${method} ${path} answered ${response.status}: ${reason}`)
    }
    return body
  }
  return {
    get: (path) => call('GET', path),
    post: (path) => call('POST', path),
  }
}

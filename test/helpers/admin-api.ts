import type { Hono } from 'hono'
import { ADMIN_API } from '../../src/handlers/routes/admin-api.ts'

export interface AdminAnswer {
  status: number
  // Tests read arbitrary JSON fields; each assertion states the shape it expects.
  body: any
  /** The raw body, to prove what it does not contain. */
  text: string
}

/** A call to the admin API (`/invite-bridge/api` + path) as curl would make it. */
export async function adminCall(app: Hono, path: string, options: { token?: string; method?: 'GET' | 'POST' } = {}): Promise<AdminAnswer> {
  const headers: Record<string, string> = {}
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  const response = await app.request(`${ADMIN_API}${path}`, { method: options.method ?? 'GET', headers })
  const text = await response.text()
  let body: unknown = null
  try {
    body = JSON.parse(text)
  } catch {
    /* not JSON: the assertion shows the text */
  }
  return { status: response.status, body, text }
}

/** The event log entry of a sender's event, by `<source>:<event id>`. */
export async function eventOf(app: Hono, token: string, source: string, eventId: string): Promise<any> {
  const answer = await adminCall(app, `/events/${encodeURIComponent(`${source}:${eventId}`)}`, { token })
  if (answer.status !== 200) throw new Error(`GET event ${source}:${eventId} answered ${answer.status}: ${answer.text}`)
  return answer.body
}

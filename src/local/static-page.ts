import { readFile } from 'node:fs/promises'
import type { Context } from 'hono'

/** Serves the site's own page locally, as Netlify serves `public/` in production. */
export function serveStaticPage(path: URL) {
  return async function staticPage(c: Context) {
    const html = await readFile(path, 'utf8').catch(() => null)
    return html === null ? c.notFound() : c.html(html)
  }
}

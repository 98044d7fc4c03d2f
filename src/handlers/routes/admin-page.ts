import { createHash } from 'node:crypto'
import type { Context } from 'hono'
import { markup, script, style } from './admin-page-content.ts'

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`

const page = () => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>invite-bridge admin</title>
<style>${style}</style>
</head>
<body>${markup}<script>${script}</script>
</body>
</html>
`

// The page holds an admin's token or API key: only its own script and style
// run (pinned by hash), it talks to this origin only, and no other site may frame it.
const pageHeaders = () => ({
  'Content-Security-Policy': [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    "connect-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  // Cheap to send and it changes with each deploy: always ask again.
  'Cache-Control': 'no-cache',
})

/**
 * GET /invite-bridge/: the admin page, served by the bridge itself so a site
 * needs no extra files. Public on purpose: the page holds no data; every
 * figure comes from /invite-bridge/api/, which checks who asks.
 */
export function adminPageRoute() {
  // Put together and hashed on the first visit, not on every cold start of a function that mostly serves webhooks.
  let built: { html: string; headers: Record<string, string> } | undefined
  return function adminPage(c: Context) {
    built ??= { html: page(), headers: pageHeaders() }
    return c.html(built.html, 200, built.headers)
  }
}

import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/*
 * What the bridge is compared with: the least a Netlify function can be with
 * the same router (Hono, one route), the way Stripe's own samples write a
 * webhook (SDK verify, then one call), and for the warm path a bare node:http
 * server doing only the HMAC. Written to a temp folder at run time so they
 * cannot drift into being part of the project.
 */

/** A Hono app with one route, exported the way hono/netlify documents. */
const HONO_ONLY = `import { Hono } from 'hono'
import { handle } from 'hono/netlify'

const app = new Hono()
app.post('/webhooks/stripe', async (c) => c.json({ received: true, bytes: (await c.req.text()).length }))

export default handle(app)
`

/** As stripe-samples write a webhook: the SDK verifies, then one POST /invite to identity. */
const STRIPE_SAMPLES = `import Stripe from 'stripe'

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY)

export default async function webhook(req) {
  const body = await req.text()
  let event
  try {
    event = stripe.webhooks.constructEvent(body, req.headers.get('stripe-signature'), process.env.STRIPE_WEBHOOK_SECRET)
  } catch (err) {
    return new Response(\`Webhook Error: \${err.message}\`, { status: 400 })
  }
  if (event.type === 'checkout.session.completed') {
    const email = event.data.object.customer_details?.email
    const response = await fetch(\`\${process.env.IDENTITY_URL}/invite\`, {
      method: 'POST',
      headers: { authorization: \`Bearer \${process.env.IDENTITY_ADMIN_TOKEN}\`, 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    })
    if (!response.ok) return new Response('invite failed', { status: 502 })
  }
  return Response.json({ received: true })
}
`

/** node:http and node:crypto only: Stripe's v1 HMAC over "t.body", answered with 200 JSON. */
const RAW_HTTP_SERVER = `import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'

const secret = process.env.STRIPE_WEBHOOK_SECRET
const TOLERANCE_SECONDS = 300

function verify(body, header) {
  const parts = header.split(',')
  const timestamp = parts.find((part) => part.startsWith('t='))?.slice(2)
  if (!timestamp || Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return false
  const expected = createHmac('sha256', secret).update(\`\${timestamp}.\${body}\`).digest()
  return parts
    .filter((part) => part.startsWith('v1='))
    .some((part) => {
      const given = Buffer.from(part.slice(3), 'hex')
      return given.length === expected.length && timingSafeEqual(given, expected)
    })
}

function answer(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(value))
}

createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return answer(res, 200, { status: 'ok' })
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8')
    if (!verify(body, String(req.headers['stripe-signature'] ?? ''))) return answer(res, 400, { error: 'bad signature' })
    answer(res, 200, { received: true, id: JSON.parse(body).id })
  })
}).listen(Number(process.env.PORT), process.env.HOST)
`

export interface BaselineSources {
  honoOnly: string
  stripeSamples: string
  rawHttpServer: string
}

export async function writeBaselines(folder: string): Promise<BaselineSources> {
  const sources = {
    honoOnly: join(folder, 'hono-only.mjs'),
    stripeSamples: join(folder, 'stripe-samples.mjs'),
    rawHttpServer: join(folder, 'raw-http-server.mjs'),
  }
  await writeFile(sources.honoOnly, HONO_ONLY)
  await writeFile(sources.stripeSamples, STRIPE_SAMPLES)
  await writeFile(sources.rawHttpServer, RAW_HTTP_SERVER)
  return sources
}

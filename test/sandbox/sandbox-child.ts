/**
 * An identity sandbox in its own process, on a data file (see crash.test.ts).
 * argv: dataFile jwtSecret. Prints one JSON line { url, pid } once serving,
 * then one line `invite <email> <token>` per invite, before it is answered.
 */
import { serveIdentitySandbox } from '../../src/sandbox/serve.ts'

const [dataFile = '', jwtSecret = ''] = process.argv.slice(2)
const served = await serveIdentitySandbox({
  jwtSecret,
  siteUrl: 'https://site.example',
  dataFile,
  onInvite: ({ email, token }) => process.stdout.write(`invite ${email} ${token}\n`),
})
process.stdout.write(`${JSON.stringify({ url: served.url, pid: process.pid })}\n`)

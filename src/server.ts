import { startLocalServer } from './local/start.ts'

// `npm start`: the same app as the Netlify function, served by Node.
try {
  const server = await startLocalServer({ env: process.env })
  console.log(server.banner.join('\n'))
  const stop = () => void server.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
} catch (error) {
  console.error(`invite-bridge could not start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}

import type { Config } from '@netlify/functions'
import { createNetlifyHandler } from '../../src/netlify.ts'
// Bundled into the function: it has no file system to read the rules from at run time.
import rules from '../../invite-bridge.config.json' with { type: 'json' }

export default createNetlifyHandler({ rules })

// Netlify reads this statically, so it stays a literal. `:source` is every sender's /webhooks/<name>;
// `/invite-bridge/*` is the admin API (/invite-bridge/api/...) and its page.
export const config: Config = {
  path: ['/webhooks/:source', '/invites', '/health', '/invite-bridge', '/invite-bridge/*'],
}

import type { Config } from '@netlify/functions'
import { createNetlifySweeper } from '../../src/netlify-sweep.ts'

// Every minute (Netlify's finest schedule), on the published deploy only: the bridge's own retries of queued events.
export default createNetlifySweeper()

export const config: Config = {
  schedule: '* * * * *',
}

import { positiveInteger, type Env } from '../../core/config/env.ts'
import type { SenderRuntime } from '../sender.ts'
import { polarCatalogue } from './catalogue.ts'
import { mapPolarEvent } from './map.ts'
import { verifyPolarEvent } from './verify.ts'

export interface PolarSettings {
  /** Oldest (and furthest in the future) accepted signature, in seconds; Polar's SDK allows 300. */
  toleranceSeconds: number
}

/** What a deployed bridge runs of this sender; index.ts adds the CLI's tools. */
export const polarRuntime: SenderRuntime<PolarSettings> = {
  name: 'polar',
  secretVariable: 'POLAR_WEBHOOK_SECRET',
  catalogue: polarCatalogue,
  readSettings: (env: Env) => ({ toleranceSeconds: positiveInteger(env, 'POLAR_TOLERANCE_SECONDS', 300) }),
  async receive(request, config) {
    const { webhookId, payload } = verifyPolarEvent(request, { secrets: config.secrets, toleranceSeconds: config.settings.toleranceSeconds })
    return mapPolarEvent(webhookId, payload)
  },
}

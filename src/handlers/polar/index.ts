import { positiveInteger, type Env } from '../../core/config/env.ts'
import type { Sender } from '../sender.ts'
import { polarCatalogue } from './catalogue.ts'
import { polarExplainer } from './explain.ts'
import { mapPolarEvent } from './map.ts'
import { polarSamples } from './samples.ts'
import { signPolar } from './sign.ts'
import { verifyPolarEvent } from './verify.ts'

export interface PolarSettings {
  /** Oldest (and furthest in the future) accepted signature, in seconds; Polar's SDK allows 300. */
  toleranceSeconds: number
}

export const polarSender: Sender<PolarSettings> = {
  name: 'polar',
  secretVariable: 'POLAR_WEBHOOK_SECRET',
  catalogue: polarCatalogue,
  readSettings: (env: Env) => ({ toleranceSeconds: positiveInteger(env, 'POLAR_TOLERANCE_SECONDS', 300) }),
  async receive(request, config) {
    const { webhookId, payload } = verifyPolarEvent(request, { secrets: config.secrets, toleranceSeconds: config.settings.toleranceSeconds })
    return mapPolarEvent(webhookId, payload)
  },
  sign: signPolar,
  samples: polarSamples,
  explain: polarExplainer,
}

import type { Sender } from '../sender.ts'
import { lemonSqueezyCatalogue } from './catalogue.ts'
import { lemonSqueezyEventId } from './event-id.ts'
import { lemonSqueezyExplainer } from './explain.ts'
import { mapLemonSqueezyEvent } from './map.ts'
import { lemonSqueezySamples } from './samples.ts'
import { signLemonSqueezy } from './sign.ts'
import { verifyLemonSqueezyEvent } from './verify.ts'

export const lemonSqueezySender: Sender<Record<string, never>> = {
  name: 'lemonsqueezy',
  secretVariable: 'LEMONSQUEEZY_WEBHOOK_SECRET',
  catalogue: lemonSqueezyCatalogue,
  readSettings: () => ({}),
  async receive(request, config) {
    const event = verifyLemonSqueezyEvent(request, config.secrets)
    return mapLemonSqueezyEvent(lemonSqueezyEventId(event.eventName, event.data, request.rawBody), event)
  },
  sign: signLemonSqueezy,
  samples: lemonSqueezySamples,
  explain: lemonSqueezyExplainer,
}

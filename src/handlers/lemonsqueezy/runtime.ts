import type { SenderRuntime } from '../sender.ts'
import { lemonSqueezyCatalogue } from './catalogue.ts'
import { lemonSqueezyEventId } from './event-id.ts'
import { mapLemonSqueezyEvent } from './map.ts'
import { verifyLemonSqueezyEvent } from './verify.ts'

/** What a deployed bridge runs of this sender; index.ts adds the CLI's tools. */
export const lemonSqueezyRuntime: SenderRuntime<Record<string, never>> = {
  name: 'lemonsqueezy',
  secretVariable: 'LEMONSQUEEZY_WEBHOOK_SECRET',
  catalogue: lemonSqueezyCatalogue,
  readSettings: () => ({}),
  async receive(request, config) {
    const event = verifyLemonSqueezyEvent(request, config.secrets)
    return mapLemonSqueezyEvent(lemonSqueezyEventId(event.eventName, event.data, request.rawBody), event)
  },
}

import { middleware } from './middleware.ts'
import { errorAnswer } from '../../core/domain/errors.ts'
import type { LogFields, Logger } from '../../core/domain/log.ts'

/** What routes behind `logRequest` share: the fields of the request's one log line. */
export type LoggedEnv = { Variables: { logFields: LogFields } }

/**
 * One log line per request, written whatever happens behind it: guards and
 * the route add fields (`c.get('logFields')`), and an error is logged as the
 * answer it became (Hono has already turned it into a response by now).
 */
export function logRequest(initial: LogFields, log: Logger, now: () => number) {
  return middleware<LoggedEnv>(async function logRequest(c, next) {
    const started = now()
    const fields: LogFields = { ...initial }
    c.set('logFields', fields)
    try {
      await next()
    } finally {
      if (c.error) Object.assign(fields, errorAnswer(c.error).log)
      log({ ...fields, durationMs: now() - started })
    }
  })
}

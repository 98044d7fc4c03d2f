import { describe, expect, it } from 'vitest'
import { createDeferred } from '../../../src/core/event-log/deferred.ts'
import type { LogFields } from '../../../src/core/domain/log.ts'

describe('work deferred past the answer, in process', () => {
  it('runs on a later turn, and settled() waits for it and for what it started meanwhile', async () => {
    const deferred = createDeferred(() => {})
    const done: string[] = []
    deferred.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10))
      done.push('first')
      deferred.run(async () => void done.push('started by the first'))
    })
    expect(done).toEqual([])

    await deferred.settled()
    expect(done).toEqual(['first', 'started by the first'])
  })

  it('a failure is a log line, not a rejection: settled() still resolves', async () => {
    const lines: LogFields[] = []
    const deferred = createDeferred((fields) => lines.push(fields))
    deferred.run(async () => {
      throw new Error('store went away')
    })

    await deferred.settled()
    expect(lines).toEqual([expect.objectContaining({ level: 'error', after: 'answer' })])
  })
})

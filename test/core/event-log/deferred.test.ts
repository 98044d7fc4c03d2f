import { describe, expect, it } from 'vitest'
import { createDeferred } from '../../../src/core/event-log/deferred.ts'
import type { LogFields } from '../../../src/core/domain/log.ts'

describe('work deferred past the answer, in process', () => {
  it('runs on a later turn, and settled() waits for what was handed over before it', async () => {
    const deferred = createDeferred(() => {})
    const done: string[] = []
    deferred.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10))
      done.push('first')
    })
    deferred.run(async () => void done.push('second'))
    expect(done).toEqual([])

    await deferred.settled()
    expect(done).toEqual(['second', 'first'])
  })

  it('settled() does not wait for work handed over after it was called: a steady stream cannot hold a reader forever', async () => {
    const deferred = createDeferred(() => {})
    let stop = false
    let handedOver = 0
    const feed = () => {
      if (stop) return
      handedOver++
      deferred.run(async () => void (await new Promise((resolve) => setTimeout(resolve, 1))))
      setImmediate(feed)
    }
    feed()
    // Resolves while the feed keeps handing work over: were it waiting for that too, this would never return.
    await deferred.settled()
    expect(handedOver).toBeGreaterThan(1)
    stop = true
    await deferred.settled()
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

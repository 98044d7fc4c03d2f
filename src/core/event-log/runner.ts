import type { Delivery } from '../domain/delivery.ts'
import { processDelivery, type PipelineDeps } from '../pipeline/process.ts'
import type { Ran, Received, Runner } from './context.ts'

/** The pipeline as the event log runs it: the result, and the person it reached (for the people index, hashed there). */
export function pipelineRunner(deps: PipelineDeps): Runner {
  return async (delivery: Delivery, received: Received = {}): Promise<Ran> => {
    let person: string | undefined
    const result = await processDelivery(delivery, { ...deps, onPerson: (email) => (person = email) }, received)
    return { result, ...(person ? { person } : {}) }
  }
}

import type { Delivery } from '../domain/delivery.ts'
import { processDelivery, type PipelineDeps } from '../pipeline/process.ts'
import type { Ran, Runner } from './context.ts'

/** The pipeline as the event log runs it: the result, and the person it reached (for the people index, hashed there). */
export function pipelineRunner(deps: PipelineDeps): Runner {
  return async (delivery: Delivery): Promise<Ran> => {
    let person: string | undefined
    const result = await processDelivery(delivery, { ...deps, onPerson: (email) => (person = email) })
    return { result, ...(person ? { person } : {}) }
  }
}

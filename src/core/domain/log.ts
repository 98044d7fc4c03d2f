/** One structured line per delivery or request. Callers pass masked values only. */
export type LogFields = Record<string, string | number | boolean | null | undefined>
export type Logger = (fields: LogFields) => void

export const jsonLineLogger: Logger = (fields) => {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }))
}

/** One structured line per delivery or request. Callers pass masked values only. */
export type LogFields = Record<string, string | number | boolean | null | undefined>
export type Logger = (fields: LogFields) => void

export const jsonLineLogger: Logger = (fields) => {
  // One write of one line; console.log would format a string that is already what it should print.
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`)
}

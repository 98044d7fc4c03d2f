/** One CSV record and the line it starts on, for messages a person can act on. */
export interface CsvRecord {
  line: number
  fields: string[]
}

/**
 * RFC 4180, which is what spreadsheets export: comma-separated, fields in
 * double quotes may hold commas, line breaks and `""` for a quote; CRLF or LF;
 * a leading byte-order mark is dropped. Blank lines are skipped. Throws on an
 * unclosed quote rather than guessing where the field ends.
 */
export function parseCsv(text: string): CsvRecord[] {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text
  const records: CsvRecord[] = []
  let fields: string[] = []
  let field = ''
  let quoted = false
  let line = 1
  let start = 1
  const endRecord = () => {
    fields.push(field)
    if (fields.length > 1 || fields[0] !== '') records.push({ line: start, fields })
    fields = []
    field = ''
  }
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!
    if (quoted) {
      if (ch === '"' && input[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else {
        if (ch === '\n') line++
        field += ch
      }
    } else if (ch === '"' && field === '') quoted = true
    else if (ch === ',') {
      fields.push(field)
      field = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && input[i + 1] === '\n') i++
      endRecord()
      line++
      start = line
    } else field += ch
  }
  if (quoted) throw new Error(`unclosed quote in the record starting on line ${start}`)
  if (field !== '' || fields.length) endRecord()
  return records
}

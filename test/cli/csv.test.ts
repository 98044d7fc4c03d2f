import { describe, expect, it } from 'vitest'
import { parseCsv } from '../../src/cli/csv.ts'

const fields = (text: string) => parseCsv(text).map((record) => record.fields)

describe('parseCsv', () => {
  it('splits plain records on commas and LF or CRLF', () => {
    expect(fields('email,name\na@example.com,Ann\r\nb@example.com,Bob')).toEqual([['email', 'name'], ['a@example.com', 'Ann'], ['b@example.com', 'Bob']])
  })

  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    expect(fields('"Doe, Ann","say ""hi""","two\nlines"\n')).toEqual([['Doe, Ann', 'say "hi"', 'two\nlines']])
  })

  it('keeps empty fields and skips blank lines', () => {
    expect(fields('a,,c\n\n,b,\n')).toEqual([['a', '', 'c'], ['', 'b', '']])
  })

  it('drops a byte-order mark', () => {
    expect(fields('\uFEFFemail\nx@example.com')).toEqual([['email'], ['x@example.com']])
  })

  it('numbers records by the line they start on', () => {
    expect(parseCsv('h\n"a\nb"\nc').map((record) => record.line)).toEqual([1, 2, 4])
  })

  it('refuses an unclosed quote, naming its line', () => {
    expect(() => parseCsv('email\n"a@example.com\n')).toThrow('line 2')
  })
})

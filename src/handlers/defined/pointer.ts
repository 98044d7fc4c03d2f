/**
 * JSON Pointers (RFC 6901): `/data/email`, `~1` for `/` and `~0` for `~`
 * inside a key. Twenty lines rather than a package: the function's cold
 * start pays for every import. Only pointers into a value (never the empty
 * pointer, the whole document) are accepted: every field a sender names is
 * inside its body.
 */

/** A pointer with at least one reference token, each `~` escaped as the RFC says. */
export const POINTER = /^(\/([^~/]|~[01])*)+$/

function tokens(pointer: string): string[] {
  // `~1` first, then `~0`: the RFC's order, so `~01` reads as `~1` (a literal), not `/`.
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))
}

const INDEX = /^(0|[1-9][0-9]*)$/

/** The value at `pointer`, or undefined when the path does not exist. Own properties only: `/__proto__` reads nothing. */
export function readPointer(document: unknown, pointer: string): unknown {
  let value = document
  for (const token of tokens(pointer)) {
    if (Array.isArray(value)) value = INDEX.test(token) ? value[Number(token)] : undefined
    else if (value !== null && typeof value === 'object' && Object.hasOwn(value, token)) value = (value as Record<string, unknown>)[token]
    else return undefined
  }
  return value
}

/** Puts `value` at `pointer`, creating objects (arrays for index tokens) on the way; throws when a value already there is in the way. */
export function writePointer(document: Record<string, unknown>, pointer: string, value: unknown): void {
  const path = tokens(pointer)
  let parent: Record<string, unknown> = document
  for (const [index, token] of path.entries()) {
    const here = Object.hasOwn(parent, token) ? parent[token] : undefined
    const last = index === path.length - 1
    if (last ? here !== null && typeof here === 'object' : here !== undefined && (here === null || typeof here !== 'object')) {
      throw new Error(`${pointer} ${last ? 'would replace an object another field is in' : 'passes through a value that is not an object'}`)
    }
    const next = last ? value : (here ?? (INDEX.test(path[index + 1]!) ? [] : {}))
    // defineProperty: a key such as `__proto__` becomes a plain property, as JSON.parse would make it.
    Object.defineProperty(parent, token, { value: next, enumerable: true, writable: true, configurable: true })
    parent = next as Record<string, unknown>
  }
}

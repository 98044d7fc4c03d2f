import * as v from 'valibot'
import { rulesFileError } from '../../rules/load.ts'
import { POINTER } from './pointer.ts'

/**
 * The `sources` of a rules file: senders the bridge does not ship, defined
 * as data. Each is read here, before the rules (whose `source` may name it),
 * and refused with the path of every bad field (`sources[1].email: …`).
 */

const Pointer = v.pipe(
  v.string('a JSON Pointer is a string'),
  v.regex(POINTER, 'a JSON Pointer (RFC 6901) into the body, like "/data/email" (write "~1" for "/" and "~0" for "~" inside a key)'),
)
// RFC 9110's token: what a header name may be.
const Header = v.pipe(v.string('a header name is a string'), v.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'a header name, like "X-Crm-Signature"'))
const Variable = v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name, like "ACME_WEBHOOK_SECRET"'))
// A day at most: a longer window only widens replays.
const Tolerance = v.pipe(v.number(), v.integer('whole seconds'), v.minValue(1, 'at least 1 second'), v.maxValue(86_400, 'at most a day (86400)'))

function nameSchema(builtIn: readonly string[]) {
  return v.pipe(
    v.string(),
    v.regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a name is 1–40 lower-case letters, digits and "-", and starts with a letter or digit (it is the route /webhooks/<name>)'),
    v.check((name) => !builtIn.includes(name), (issue) => `"${String(issue.input)}" is a built-in sender (${builtIn.join(', ')}): choose another name`),
  )
}

/** Missing and unknown fields, said as such (valibot's default is "Invalid key: Expected never"). */
function fields(scheme: string) {
  return (issue: v.BaseIssue<unknown>) =>
    issue.expected === 'never'
      ? `not a field of a ${scheme} source`
      : issue.received === 'undefined'
        ? 'required'
        : 'a source is an object'
}

function common(builtIn: readonly string[]) {
  return {
    name: nameSchema(builtIn),
    /** The variable holding its secrets, comma-separated during a rotation. */
    secretEnv: Variable,
    eventType: Pointer,
    email: Pointer,
    fullName: v.optional(Pointer),
    subject: v.optional(Pointer),
    /** An ISO 8601 string or Unix seconds. */
    occurredAt: v.optional(Pointer),
  }
}

function standardWebhooks(builtIn: readonly string[]) {
  return v.strictObject(
    { ...common(builtIn), scheme: v.literal('standard-webhooks'), toleranceSeconds: v.optional(Tolerance) },
    fields('standard-webhooks'),
  )
}

function hmacSha256(builtIn: readonly string[]) {
  return v.pipe(
    v.strictObject(
      {
        ...common(builtIn),
        scheme: v.literal('hmac-sha256'),
        signatureHeader: Header,
        encoding: v.picklist(['hex', 'base64'], 'the signature\'s encoding: "hex" or "base64"'),
        signaturePrefix: v.optional(v.pipe(v.string(), v.nonEmpty('leave it out when the signature has no prefix'))),
        idHeader: v.optional(Header),
        id: v.optional(Pointer),
        timestampHeader: v.optional(Header),
        signedContent: v.optional(v.picklist(['body', 'timestamp.body'], 'what is signed: "body" or "timestamp.body"')),
        toleranceSeconds: v.optional(Tolerance),
      },
      fields('hmac-sha256'),
    ),
    v.forward(
      v.partialCheck(
        [['idHeader'], ['id']],
        (source) => (source.idHeader === undefined) !== (source.id === undefined),
        (issue) =>
          (issue.input as { id?: string }).id === undefined
            ? 'say where the event id is: "idHeader" (a header that stays the same on retries) or "id" (a JSON Pointer into the body)'
            : 'give "idHeader" or "id", not both',
      ),
      ['idHeader'],
    ),
    v.forward(
      v.partialCheck(
        [['timestampHeader'], ['signedContent']],
        (source) => source.timestampHeader === undefined || source.signedContent !== undefined,
        'with a "timestampHeader", say what is signed: "body" or "timestamp.body"',
      ),
      ['signedContent'],
    ),
    v.forward(
      v.partialCheck(
        [['timestampHeader'], ['signedContent']],
        (source) => source.timestampHeader !== undefined || source.signedContent !== 'timestamp.body',
        '"timestamp.body" is signed with the timestamp a header carries: name it in "timestampHeader"',
      ),
      ['timestampHeader'],
    ),
    v.forward(
      v.partialCheck(
        [['timestampHeader'], ['toleranceSeconds']],
        (source) => source.timestampHeader !== undefined || source.toleranceSeconds === undefined,
        'a tolerance needs a "timestampHeader" to measure the age of',
      ),
      ['toleranceSeconds'],
    ),
  )
}

function sourcesSchema(builtIn: readonly string[]) {
  const Source = v.variant('scheme', [standardWebhooks(builtIn), hmacSha256(builtIn)], '"scheme" is "standard-webhooks" or "hmac-sha256"')
  return v.object({
    sources: v.optional(
      v.pipe(
        v.array(Source),
        v.rawCheck(({ dataset, addIssue }) => {
          if (!dataset.typed) return
          const seen = new Set<string>()
          for (const [index, source] of dataset.value.entries()) {
            if (seen.has(source.name)) {
              addIssue({
                message: `another source is named "${source.name}"`,
                path: [
                  { type: 'array', origin: 'value', input: dataset.value, key: index, value: source },
                  { type: 'object', origin: 'value', input: source, key: 'name', value: source.name },
                ],
              })
            }
            seen.add(source.name)
          }
        }),
      ),
    ),
  })
}

export type SourceDefinition = v.InferOutput<ReturnType<typeof sourcesSchema>>['sources'] extends (infer S)[] | undefined ? S : never
export type HmacSourceDefinition = Extract<SourceDefinition, { scheme: 'hmac-sha256' }>

/** The rules file's `sources`, or none; throws RulesError listing every bad field by its path. */
export function readSourceDefinitions(input: unknown, builtIn: readonly string[], origin: string): SourceDefinition[] {
  const result = v.safeParse(sourcesSchema(builtIn), input)
  if (!result.success) throw rulesFileError(origin, result.issues)
  return result.output.sources ?? []
}

import * as v from 'valibot'
import { RulesError } from '../core/domain/errors.ts'
import { catalogueOf, ruleNeedsItems, type Catalogues } from './match.ts'
import { rulesFileSchema, type Rule, type RulesFile } from './schema.ts'

/** Typed sugar for an `invite-bridge.config.ts`; the JSON file needs none of it. */
export function defineConfig(config: RulesFile): RulesFile {
  return config
}

/** Validates parsed rules; a bad file fails with the path of every bad field (`rules[1].match.prices[0]: …`). */
export function parseRules(input: unknown, catalogues: Catalogues, origin = 'invite-bridge.config.json'): RulesFile {
  const result = v.safeParse(rulesFileSchema(catalogues), input)
  if (result.success) return result.output as RulesFile
  throw rulesFileError(origin, result.issues)
}

/** A rules file's problems, one line per bad field; the defined senders' `sources` are reported the same way. */
export function rulesFileError(origin: string, issues: readonly v.BaseIssue<unknown>[]): RulesError {
  return new RulesError(`${origin} is not valid:\n${issues.map((issue) => `  ${pathOf(issue)}: ${issue.message}`).join('\n')}`)
}

function pathOf(issue: v.BaseIssue<unknown>): string {
  let path = ''
  for (const item of issue.path ?? []) {
    path += typeof item.key === 'number' ? `[${item.key}]` : path ? `.${String(item.key)}` : String(item.key)
  }
  return path || '(top level)'
}

/** The rules when no file is given: invite on each sender's paid or joined events, no roles. */
export function defaultRules(catalogues: Catalogues): RulesFile {
  return {
    rules: catalogues.flatMap((catalogue) => {
      const events = catalogue.events.filter((event) => event.invitesByDefault).map((event) => event.type)
      return events.length ? [{ source: catalogue.source, events }] : []
    }),
  }
}

/**
 * Rules that need a sender's API key: a rule on an event that names only an
 * account (a subscription's customer), or a rule matching on items that the
 * event does not carry (a checkout's line items).
 */
export function rulesNeedingApiKey(rules: readonly Rule[], catalogues: Catalogues): number[] {
  return rules.flatMap((rule, index) => {
    const catalogue = catalogueOf(catalogues, rule.source)
    if (!catalogue?.api) return []
    const needs = (what: 'person' | 'items') => rule.events.some((event) => catalogue.events.find((spec) => spec.type === event)?.needs?.includes(what))
    return needs('person') || (ruleNeedsItems(rule, catalogues) && needs('items')) ? [index] : []
  })
}

/**
 * A rule that needs an API key while none is set would fail on every delivery: refuse to start instead.
 * Rules of a disabled sender (no webhook secret) never run, so they are not checked: an install that
 * does not use a sender never needs its key.
 */
export function assertRulesConfigured(
  rules: readonly Rule[],
  catalogues: Catalogues,
  hasApiKey: (source: string) => boolean,
  isEnabled: (source: string) => boolean = () => true,
): void {
  const needing = rulesNeedingApiKey(rules, catalogues).filter((index) => isEnabled(rules[index]!.source))
  const missing = catalogues.flatMap((catalogue) => {
    const indexes = needing.filter((index) => rules[index]!.source === catalogue.source)
    return indexes.length && catalogue.api && !hasApiKey(catalogue.source)
      ? [`${indexes.map((index) => `rules[${index}]`).join(', ')} ${catalogue.api.needsMessage}`]
      : []
  })
  if (missing.length) throw new RulesError(missing.join('; '))
}

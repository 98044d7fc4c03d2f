import type * as v from 'valibot'
import type { DirectoryEntry, MatchFacts, PurchasedItem } from './facts.ts'

/** One event type a sender sends, and what it means to the bridge. */
export interface EventSpec {
  type: string
  /** What happened, in words (docs, `send --help`). */
  meaning: string
  /** Who the event is about. */
  about: string
  /**
   * grant: it starts something (a purchase, a join), rules invite or add roles on it;
   * revoke: it ends something (a cancellation, a leave), rules take roles away on it;
   * none: it never acts (a ping) and rules may not name it.
   */
  effect: 'grant' | 'revoke' | 'none'
  /**
   * What a rule on this event needs from the sender's API: `person` when the
   * event names only an account, `items` when rules on purchased items need
   * the items read because the event does not carry them.
   */
  needs?: readonly ('person' | 'items')[]
  /** Part of the built-in rules: invited on with no rules file. */
  invitesByDefault?: boolean
}

/**
 * Everything rules and the pipeline know about one sender, as data: its
 * events, the keys its rules may match on, and how they match. Rules and the
 * pipeline are built from the catalogues they are given and never import a
 * sender.
 */
export interface SenderCatalogue {
  source: string
  events: readonly EventSpec[]
  /**
   * The events are not known in advance (a sender defined in the rules file):
   * rules may name any event type, and `events` lists the ones they name.
   */
  openEvents?: boolean
  /** valibot entries of this sender's `match` object (a strict object). */
  matchEntries: v.ObjectEntries
  /** Does a rule's `match` hold for these facts? Only called with facts of this sender, items already read when needed. */
  matches(match: Readonly<Record<string, unknown>>, facts: MatchFacts): boolean
  /** Match keys that look at purchased items (which some events make us read). */
  itemKeys?: readonly string[]
  /** The facts with the items that were read put in their place. */
  withItems?(facts: MatchFacts, items: PurchasedItem[]): MatchFacts
  /** True when the facts lack items that only the API can give. */
  itemsMissing?(facts: MatchFacts): boolean
  /** The read-only API key reads need, when they need one. */
  api?: { keyVariable: string; needsMessage: string }
}

/** The reads a sender offers the pipeline through its own API: the seam where provider clients plug in. */
export interface SenderReads {
  /** An account the sender names → the person; null when the sender does not know it. */
  person?(account: string): Promise<DirectoryEntry | null>
  /** The items of a purchase the event only points at. */
  items?(ref: string): Promise<PurchasedItem[]>
}

/** Events a rule may name: every event that can grant or revoke. */
export function ruleEvents(catalogue: SenderCatalogue): string[] {
  return catalogue.events.filter((event) => event.effect !== 'none').map((event) => event.type)
}

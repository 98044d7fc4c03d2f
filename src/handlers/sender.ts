import type { SenderConfig, SenderSettingsReader } from '../core/config/config.ts'
import type { SenderCatalogue, SenderReads } from '../core/domain/catalogue.ts'
import type { Delivery } from '../core/domain/delivery.ts'
import type { MatchFacts } from '../core/domain/facts.ts'

/** What one webhook request brings, read once at the door. */
export interface SignedRequest {
  rawBody: string
  headers: Headers
  /** ms since the epoch, for signature age checks. */
  now: number
}

/** A request as the provider would send it, signed: what `send` posts and tests deliver. */
export interface SignedDelivery {
  path: string
  init: { method: 'POST'; headers: Record<string, string>; body: string }
}

/** A sample payload of the provider's real shape, and the event name a header carries (GitHub) or the body does (Stripe). */
export interface SamplePayload {
  eventName: string
  payload: Record<string, any>
}

/** What `send` may fill in a sample. A sample names what it requires, by throwing an Error that says so. */
export interface SampleOptions {
  email?: string
  login?: string
  name?: string
}

/** What `explain` needs of a sender: a payload from a file made into a delivery, and its facts in words. */
export interface SenderExplainer {
  /** A payload as the provider posts it (no signature: a local file); throws an Error whose message says what is wrong. */
  delivery(payload: Record<string, any>, event: string | undefined): Delivery
  facts(facts: MatchFacts, itemsRead: boolean): string
  /** Who an account the sender names is, and how the bridge would find their address. */
  account(account: string): string
  /** Why rules on items could not be evaluated (the event does not carry them). */
  itemsUnreadable?(hasApi: boolean): string
}

/**
 * What a deployed bridge runs of a webhook sender: its catalogue (the events
 * and what they mean), how it reads its settings, verify+map (`receive`) and
 * the reads its API offers the pipeline. The function is built from these
 * alone, so the CLI's tools (below) cost it nothing at a cold start.
 */
export interface SenderRuntime<Settings = any> extends SenderSettingsReader<Settings> {
  catalogue: SenderCatalogue
  /** Verifies against any of the secrets (throwing SignatureError or BadRequestError) and maps; the result is safe to act on. */
  receive(request: SignedRequest, config: SenderConfig<Settings>): Promise<Delivery>
  /** The sender's API reads for the pipeline; null when its settings allow none (no API key). */
  reads?(settings: Settings, doFetch: typeof fetch): SenderReads | null
}

/**
 * A webhook sender, in one folder: its runtime (runtime.ts) and the tools
 * `send`, `explain` and the tests use, a signer and the sample payloads
 * `send` builds from (index.ts). The registries list the senders; routes,
 * rules, `send` and `/health` are derived from them.
 */
export interface Sender<Settings = any> extends SenderRuntime<Settings> {
  /** The header that names the event when the body alone does not (GitHub's X-GitHub-Event); `send --file` then needs the event named. */
  eventHeader?: string
  /** Signs a body exactly as the provider does. `now` in ms; `deliveryId` where the provider sends one in a header. */
  sign(sample: SamplePayload, secret: string, options?: { now?: number; deliveryId?: string }): SignedDelivery
  /** Sample payloads by event type, for `send`; each call returns a fresh payload (a new event id). */
  samples: Readonly<Record<string, (options: SampleOptions) => SamplePayload>>
  explain: SenderExplainer
}

/** A JSON POST as a provider sends one: the route, the signed body, and the provider's own headers. */
export function jsonPost(path: string, body: string, headers: Record<string, string>): SignedDelivery {
  return { path, init: { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body } }
}

import type { Sender } from '../sender.ts'
import { signStripe } from './sign.ts'
import { stripeExplainer } from './explain.ts'
import { stripeSamples } from './samples.ts'
import { stripeRuntime, type StripeSettings } from './runtime.ts'

export type { StripeSettings } from './runtime.ts'

/** The sender with the tools `send`, `explain` and the tests use (a signer, samples, an explainer); the function serves the runtime alone. */
export const stripeSender: Sender<StripeSettings> = { ...stripeRuntime, sign: signStripe, samples: stripeSamples, explain: stripeExplainer }

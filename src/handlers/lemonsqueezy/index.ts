import type { Sender } from '../sender.ts'
import { lemonSqueezyExplainer } from './explain.ts'
import { lemonSqueezySamples } from './samples.ts'
import { signLemonSqueezy } from './sign.ts'
import { lemonSqueezyRuntime } from './runtime.ts'

/** The sender with the tools `send`, `explain` and the tests use (a signer, samples, an explainer); the function serves the runtime alone. */
export const lemonSqueezySender: Sender<Record<string, never>> = { ...lemonSqueezyRuntime, sign: signLemonSqueezy, samples: lemonSqueezySamples, explain: lemonSqueezyExplainer }

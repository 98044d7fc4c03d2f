import type { Sender } from '../sender.ts'
import { polarExplainer } from './explain.ts'
import { polarSamples } from './samples.ts'
import { signPolar } from './sign.ts'
import { polarRuntime, type PolarSettings } from './runtime.ts'

export type { PolarSettings } from './runtime.ts'

/** The sender with the tools `send`, `explain` and the tests use (a signer, samples, an explainer); the function serves the runtime alone. */
export const polarSender: Sender<PolarSettings> = { ...polarRuntime, sign: signPolar, samples: polarSamples, explain: polarExplainer }

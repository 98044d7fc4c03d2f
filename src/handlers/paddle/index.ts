import type { Sender } from '../sender.ts'
import { paddleExplainer } from './explain.ts'
import { paddleSamples } from './samples.ts'
import { signPaddle } from './sign.ts'
import { paddleRuntime, type PaddleSettings } from './runtime.ts'

export type { PaddleSettings } from './runtime.ts'

/** The sender with the tools `send`, `explain` and the tests use (a signer, samples, an explainer); the function serves the runtime alone. */
export const paddleSender: Sender<PaddleSettings> = { ...paddleRuntime, sign: signPaddle, samples: paddleSamples, explain: paddleExplainer }

import type { Sender } from '../sender.ts'
import { githubExplainer } from './explain.ts'
import { githubSamples } from './samples.ts'
import { signGitHub } from './sign.ts'
import { githubRuntime } from './runtime.ts'
import type { GitHubApiSettings } from './directory.ts'

/** The sender with the tools `send`, `explain` and the tests use (a signer, samples, an explainer); the function serves the runtime alone. */
export const githubSender: Sender<GitHubApiSettings> = { ...githubRuntime, eventHeader: 'X-GitHub-Event', sign: signGitHub, samples: githubSamples, explain: githubExplainer }

/**
 * Starting the Claude Code runtime ahead of the prompt: the SDK's `startup()` spawns and
 * initialises the runtime with the run's options, and the returned `WarmQuery` later takes the
 * prompt. A runtime start costs about 2 s on a small machine (decisions.md §23); started while the
 * runner composes the prompt and posts the status comment, it leaves the path to the first model
 * request. A start that fails is not an error here: the run falls back to a plain `query()`.
 */
import { startup, type Options, type WarmQuery } from '@anthropic-ai/claude-agent-sdk';

export interface StartedRuntime {
  /** The options the runtime was started with: the run must use exactly these. */
  readonly options: Options;
  /** Resolves to the warm runtime, or undefined when it could not start. */
  readonly warm: Promise<WarmQuery | undefined>;
  /** Discards the runtime when the run ends before it is used (an empty delta, a budget refusal); resolves once it was told to end. */
  close(): Promise<void>;
}

export function startRuntime(options: Options): StartedRuntime {
  const warm = startup({ options }).catch(() => undefined);
  return {
    options,
    warm,
    close: () => warm.then((query) => query?.close()),
  };
}

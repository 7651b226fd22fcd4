/**
 * What every forge tool of one run shares: the agent's client, the run's repository and issue,
 * the worktree's branch, the change reporter, the redactor and a logger, the PR this run opened
 * (so `request_review` needs no number right after `open_pull_request`), and the planner's
 * running account: the issues this run opened, against its cap, and whether the forge keeps
 * native issue dependencies.
 */
import type { AnyZodRawShape, createSdkMcpServer, SdkMcpToolDefinition } from '@anthropic-ai/claude-agent-sdk';
import type { ForgeClient } from '../../forge/client.js';
import type { RepoRef } from '../../core/events.js';
import { forgeFailure, type ToolResult } from './tool-result.js';
import type { ForgeChange } from '../../core/forge-change.js';
import type { Logger } from '../../lib/logger.js';

export interface ToolContext {
  readonly client: ForgeClient;
  readonly repo: RepoRef;
  readonly issue: number;
  readonly branch: string | undefined;
  /** What `open_pull_request` targets when the agent names no base: the stacked story's base, else the default branch. */
  readonly defaultBase: string;
  /** The agent's own forge login: a PR it opened from `branch` in an earlier run is its own. */
  readonly login: string;
  /** Who `request_review` may ask (`ForgeToolsOptions.reviewers`). */
  readonly reviewers: readonly string[];
  readonly onChange: (change: ForgeChange) => void;
  /** The service's redactor: every string an agent writes to the forge passes it. */
  readonly redact: (text: string) => string;
  readonly log: Logger;
  /** Set by `open_pull_request`. */
  openedPull: number | undefined;
  /** The most issues `create_issue` may open in this run (`agents.<name>.limits.maxIssuesPerRun`). */
  readonly maxIssues: number;
  /** The issues `create_issue` opened in this run, and how many it is opening now. */
  readonly openedIssues: number[];
  openingIssues: number;
  /** Learnt from the first dependency call; `unsupported` is said once in the log, then no more calls are made. */
  nativeDependencies: 'unknown' | 'supported' | 'unsupported';
}

/** What `createSdkMcpServer` takes: tools of any input shape. */
export type AnyTool = NonNullable<Parameters<typeof createSdkMcpServer>[0]['tools']>[number];

/**
 * One tool, typed by its own shape while it is written, then erased to go in the server's list:
 * a handler of `{ body: string }` is not assignable to the list's handler of any shape (function
 * parameters are checked contravariantly), though the SDK validates the input against the shape
 * before calling it.
 */
export function erased<S extends AnyZodRawShape>(definition: SdkMcpToolDefinition<S>): AnyTool {
  return definition as unknown as AnyTool;
}

/** Runs a tool's forge calls; whatever they throw becomes an error result naming `action`. */
export async function guarded(action: string, run: () => Promise<ToolResult>): Promise<ToolResult> {
  try {
    return await run();
  } catch (error) {
    return forgeFailure(action, error);
  }
}

/**
 * The forge tools' contract: an in-process MCP server (`createSdkMcpServer`) built per run,
 * bound to one agent's token, repository and issue — and confined to them: a tool takes no other
 * repository, and no issue or PR but the run's own or those its checks allow (see each tool).
 * Which tools an agent gets is its role's `forgeTools` (`config/roles.ts`: the planner comments,
 * opens issues and sets their dependencies, labels and reads; the implementer comments, opens a
 * PR, requests a review, answers review comments, labels and reads; the reviewer comments, submits
 * a review and reads). A
 * forge error comes back as a tool error the agent can read, never as a crash. Every change made
 * on the forge is reported through `onChange`.
 */
import type { McpSdkServerConfigWithInstance } from '@anthropic-ai/claude-agent-sdk';
import type { AgentConfig } from '../../config/types.js';
import type { ForgeClient } from '../../forge/client.js';
import type { RepoRef } from '../../core/events.js';
import type { ForgeChange } from '../../core/forge-change.js';
import type { Logger } from '../../lib/logger.js';
import type { OutstandingReviewComment } from '../status/outstanding.js';

export type { ForgeChange };

export interface ForgeToolsOptions {
  readonly client: ForgeClient;
  readonly repo: RepoRef;
  readonly issue: number;
  readonly agent: AgentConfig;
  /** The worktree's branch (dev's PR head); undefined for a detached checkout. */
  readonly branch: string | undefined;
  /**
   * A stacked story's base: its upstream story's branch, which `open_pull_request` targets when
   * the agent names no base (the repository's default branch when absent).
   */
  readonly stackBase?: string | undefined;
  /**
   * The forge logins `request_review` may ask (the configured agents whose role is reviewer);
   * anyone else is refused, so a prompt cannot make the agent summon strangers.
   */
  readonly reviewers: readonly string[];
  readonly onChange: (change: ForgeChange) => void;
  /** The service's redactor; titles, bodies and comments pass it before they reach the forge (none when omitted). */
  readonly redact?: (text: string) => string;
  /** Where a tool says what the agent should not have to (a forge without native dependencies); silent when omitted. */
  readonly log?: Logger;
}

export interface ForgeTools {
  /** Pass as `mcpServers: { forge: tools.server }`. */
  readonly server: McpSdkServerConfigWithInstance;
  /** Fully qualified names (`mcp__forge__comment`, …) for `allowedTools`. */
  readonly allowedTools: readonly string[];
  /**
   * For a role that answers review comments (`answer_review_comment`): the review comments of the
   * run's own pull request that no answer marks, read now with the agent's client and the tools'
   * own idea of that PR (the one opened in this run, or the open PR of the worktree's branch).
   * Undefined when the run has no open pull request of its own; rejects on a forge error. Absent
   * for the other roles.
   */
  readonly readOutstanding?: () => Promise<readonly OutstandingReviewComment[] | undefined>;
}

/**
 * `createForgeTools`: the in-process MCP server one run's agent talks to the forge through (see
 * `types.ts` for the contract). Built per run, so every tool is bound to that run's client (the
 * agent's own token), repository, issue and branch; the agent cannot aim them elsewhere.
 */
import { createSdkMcpServer } from '@anthropic-ai/claude-agent-sdk';
import { policyOf, type ForgeToolName } from '../../config/roles.js';
import { silentLogger } from '../../lib/logger.js';
import { addLabelsTool, commentTool, readThreadTool, removeLabelsTool } from './issue-tools.js';
import { createIssueTool, setDependenciesTool } from './planning-tools.js';
import { openPullRequestTool, requestReviewTool, submitReviewTool } from './pull-tools.js';
import { answerReviewCommentTool, readOutstanding } from './review-tools.js';
import type { AnyTool, ToolContext } from './tool-context.js';
import type { ForgeTools, ForgeToolsOptions } from './types.js';
import { DEFAULT_MAX_ISSUES_PER_RUN } from './write-checks.js';

/** The MCP server's name; the SDK calls its tools `mcp__forge__<tool>`. */
const FORGE_SERVER = 'forge';

const qualified = (name: ForgeToolName): string => `mcp__${FORGE_SERVER}__${name}`;

const BUILDERS: Readonly<Record<ForgeToolName, (ctx: ToolContext) => AnyTool>> = {
  comment: commentTool,
  create_issue: createIssueTool,
  set_dependencies: setDependenciesTool,
  open_pull_request: openPullRequestTool,
  request_review: requestReviewTool,
  submit_review: submitReviewTool,
  answer_review_comment: answerReviewCommentTool,
  add_labels: addLabelsTool,
  remove_labels: removeLabelsTool,
  read_thread: readThreadTool,
};

export function createForgeTools(options: ForgeToolsOptions): ForgeTools {
  const ctx = contextOf(options);
  const names = policyOf(options.agent).forgeTools;
  return {
    server: createSdkMcpServer({ name: FORGE_SERVER, tools: names.map((name) => BUILDERS[name](ctx)) }),
    allowedTools: names.map(qualified),
    // The same context as the tools': a PR opened in this run is the run's own at once.
    ...(names.includes('answer_review_comment') ? { readOutstanding: () => readOutstanding(ctx) } : {}),
  };
}

/** The role's forge tools (`config/roles.ts`), bound to the run; `createForgeTools` serves them (tests call them directly too). */
export function forgeToolDefinitions(options: ForgeToolsOptions): AnyTool[] {
  const ctx = contextOf(options);
  return policyOf(options.agent).forgeTools.map((name) => BUILDERS[name](ctx));
}

function contextOf(options: ForgeToolsOptions): ToolContext {
  return {
    client: options.client,
    repo: options.repo,
    issue: options.issue,
    branch: options.branch,
    defaultBase: options.stackBase ?? options.repo.defaultBranch,
    login: options.agent.login,
    reviewers: options.reviewers,
    onChange: (change) => {
      try {
        options.onChange(change);
      } catch {
        // The change is made on the forge; a failing report of it must not tell the agent it
        // failed (it would do it again). Recording is the runner's job, and its own to log.
      }
    },
    redact: options.redact ?? ((text) => text),
    log: options.log ?? silentLogger(),
    openedPull: undefined,
    maxIssues: options.agent.limits.maxIssuesPerRun ?? DEFAULT_MAX_ISSUES_PER_RUN,
    openedIssues: [],
    openingIssues: 0,
    nativeDependencies: 'unknown',
  };
}

/**
 * The fixed parts of a full prompt: who the agent is, the team's conventions for branches, PRs and
 * dependencies, and how an agent answers (only through the forge tools).
 */
import { policyOf, type ForgeToolName, type RolePolicy } from '../../config/roles.js';
import type { AgentConfig } from '../../config/types.js';

/** What the role line says the agent does, by its role's `conventions`. */
const JOBS: Readonly<Record<RolePolicy['conventions'], string>> = {
  plan: 'you plan: you read issues, split work into stories and write them as issues; you do not change code',
  implement: "you implement: you change code on the issue's branch and open one pull request for it",
  review: "you review: you read the pull request's change at its head and submit a review",
};

export function roleLine(agent: AgentConfig, target: string): string {
  return `You are the ${agent.name} agent (forge user @${agent.login}) working on ${target}; ${JOBS[policyOf(agent).conventions]}.`;
}

/** The forge tools the agent can be given; which of them it has depends on its role. */
export const FORGE_TOOLS = [
  'comment',
  'open_pull_request',
  'request_review',
  'submit_review',
  'add_labels',
  'remove_labels',
  'create_issue',
  'read_thread',
] as const satisfies readonly ForgeToolName[];

export const CONVENTIONS = [
  '## Conventions',
  '- One branch per issue, named `issue-<N>-<slug>`: N the issue number, slug a few lower-case words joined by `-` (`issue-7-fix-login-crash`).',
  "- One pull request per issue, from that branch. A story that builds on another story is stacked: its pull request is based on that story's branch (base = that branch), not on the default branch.",
  '- Every issue and pull request ends with a `## Dependencies` footer listing the issues it builds on (`- #12`), or `- none`.',
].join('\n');

export function answerSection(): string {
  const tools = FORGE_TOOLS.map((name) => `\`mcp__forge__${name}\``).join(', ');
  return [
    '## How to answer',
    'Nobody reads what you print: everything you want people to see goes through the forge tools. ' +
      'Reply on this thread with `mcp__forge__comment`; open your pull request with `mcp__forge__open_pull_request` and ask for a review with `mcp__forge__request_review`; ' +
      'review with `mcp__forge__submit_review`; file new stories with `mcp__forge__create_issue`; re-read the thread with `mcp__forge__read_thread`.',
    `The forge tools: ${tools} (you have those your role needs).`,
  ].join('\n');
}

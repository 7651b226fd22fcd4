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
  'answer_review_comment',
  'add_labels',
  'remove_labels',
  'create_issue',
  'set_dependencies',
  'read_thread',
] as const satisfies readonly ForgeToolName[];

export const CONVENTIONS = [
  '## Conventions',
  '- One branch per issue, named `issue-<N>-<slug>`: N the issue number, slug a few lower-case words joined by `-` (`issue-7-fix-login-crash`).',
  "- One pull request per issue, from that branch. A story that builds on another story is stacked: its pull request is based on that story's branch (base = that branch), not on the default branch.",
  '- Every issue and pull request ends with a `## Dependencies` footer listing the issues it builds on (`- #12`), or `- none`.',
].join('\n');

/**
 * How the planner plans a milestone with its tools (docs/milestones.md): the stories as issues
 * with their edges, the tracking issue left to the service, which starts each story once its
 * upstream stories are done.
 */
export const PLANNING = [
  '## Planning a milestone',
  'When someone asks you to plan an issue (`@you plan`, or the plan label put on it), that issue becomes the tracking issue of a milestone:',
  '- Split the work into stories, each one pull request of reviewable size. Open each with `mcp__forge__create_issue`, with `tracking` set to the tracking issue and `depends_on` listing the stories it builds on directly (not their upstream stories too). Open upstream stories first, so their numbers exist when a later story names them.',
  "- The tool writes each story's `## Dependencies` footer and the forge's own dependencies; to change a story's edges later use `mcp__forge__set_dependencies`, never an edit of the footer by hand.",
  '- Do not write the dependency tree into the tracking issue: claude-hooks keeps its milestone block (layers, what is done, what is next, the critical path) and rewrites it on every change.',
  '- Then comment on the tracking issue with the plan in a few lines, and remove the plan label if it has one. Once the tracking issue carries the milestone label (a person adds it, unless the repository is opted in), the service hands each story to the implementer as soon as its upstream stories are done.',
].join('\n');

/**
 * How the implementer answers a review of its pull request: every line comment gets an answer
 * through the tool, which marks it so the status comment can list those still outstanding
 * (docs/until-merged.md, "Review comments").
 */
export const REVIEW_ANSWERS = [
  '## Answering reviews',
  '- Answer each review comment on your pull request with `mcp__forge__answer_review_comment`: `fixed` (and push the change) or `answered` (say why not). The status comment lists the review comments still outstanding.',
].join('\n');

/** The conventions a role's full prompt gives: the team's, the planner's way to plan, the implementer's way to answer reviews. */
export function conventionsFor(agent: AgentConfig): string {
  const conventions = policyOf(agent).conventions;
  if (conventions === 'plan') return `${CONVENTIONS}\n\n${PLANNING}`;
  if (conventions === 'implement') return `${CONVENTIONS}\n\n${REVIEW_ANSWERS}`;
  return CONVENTIONS;
}

export function answerSection(): string {
  const tools = FORGE_TOOLS.map((name) => `\`mcp__forge__${name}\``).join(', ');
  return [
    '## How to answer',
    'Nobody reads what you print: everything you want people to see goes through the forge tools. ' +
      'Reply on this thread with `mcp__forge__comment`; open your pull request with `mcp__forge__open_pull_request` and ask for a review with `mcp__forge__request_review`; ' +
      'answer a review comment with `mcp__forge__answer_review_comment`; ' +
      'review with `mcp__forge__submit_review`; file new stories with `mcp__forge__create_issue`; re-read the thread with `mcp__forge__read_thread`.',
    `The forge tools: ${tools} (you have those your role needs).`,
  ].join('\n');
}

/**
 * Routing: which agents act on an event, and for which work key. Triggers are configured per
 * agent (`config/schema.ts`); guards then keep agents from answering themselves, from looping on
 * each other's chatter, and from being driven by users without write access. A trigger that
 * matched but was blocked becomes a recorded `skip`, so an operator can see why nothing ran.
 */
import { isStatusComment } from '../core/status-marker.js';
import { policyOf } from '../config/roles.js';
import { worksOn } from '../config/repositories.js';
import type { Trigger } from '../config/schema.js';
import type { AgentConfig } from '../config/types.js';
import {
  type CheckEvent,
  type ForgeEvent,
  type IssueEvent,
  type PullEvent,
  type RepoRef,
  repoKey,
} from '../core/events.js';
import { issueOfBranch, pullOf } from '../core/pull-of.js';
import type { ForgeLookup, RoutingDecision } from './ports.js';

export interface RouteContext {
  readonly agents: readonly AgentConfig[];
  /** `owner/name` of the configured repositories; empty means every repository that sends hooks. */
  readonly repositories: readonly string[];
  /** Logins that may trigger agents without write access. */
  readonly allowUsers: readonly string[];
  readonly forge: ForgeLookup;
  /**
   * The watched pull request whose head is `sha` (docs/until-merged.md), read from the store: a
   * check result is the pull watch's to act on, and routing only records whom it concerns.
   */
  readonly watchedHead?: (repo: string, sha: string) => Promise<number | undefined>;
}

/**
 * Who may start an agent run: the part of the routing context that decides it. A person may when
 * listed in `dispatch.allowUsers` or with write access to the repository; a configured agent's own
 * login is not decided by it (agents hand off only by explicit triggers, see `handOffAllowed`).
 * Live follow-ups and the budget's `continue` apply it too, so nobody gets in by another door.
 */
export type TriggerRule = Pick<RouteContext, 'agents' | 'allowUsers'> & {
  readonly forge: Pick<ForgeLookup, 'canTrigger'>;
};

/**
 * Whether `login` is a person (not one of the configured agents) who may start runs on `repo`.
 * May throw `ForgeUnavailableError` (transient) when the forge cannot say.
 */
export async function personMayTrigger(rule: TriggerRule, repo: RepoRef, login: string): Promise<boolean> {
  const who = login.toLowerCase();
  if (rule.agents.some((agent) => agent.login.toLowerCase() === who)) return false;
  if (rule.allowUsers.some((user) => user.toLowerCase() === who)) return true;
  return rule.forge.canTrigger(repo, login);
}

/** What routing knows about an event beyond the event itself. */
export interface RouteFacts {
  /** For a label event: the labels it added (`label-changes.ts`). Without it, the whole set counts. */
  readonly addedLabels?: readonly string[];
}

interface Match {
  readonly trigger: Trigger['on'];
  readonly issue: number;
}

export async function routeEvent(
  event: ForgeEvent,
  ctx: RouteContext,
  facts: RouteFacts = {},
): Promise<RoutingDecision[]> {
  if (!worksOn(ctx.repositories, event.repo.fullName)) {
    return [{ kind: 'skip', agent: '*', reason: `${event.repo.fullName} is not in forge.repositories` }];
  }
  const agentLogins = new Set(ctx.agents.map((a) => a.login.toLowerCase()));
  if (isAgentStatusComment(event, agentLogins)) return [];
  if (event.type === 'pull_request' && SERVICE_PULL_ACTIONS.has(event.action)) return [authorJob(event, ctx.agents)];
  if (event.type === 'check') return [await checkDecision(event, ctx)];
  if (event.type === 'issue' && (event.action === 'ready' || event.action === 'plan'))
    return [milestoneJob(event, ctx.agents)];
  const decisions: RoutingDecision[] = [];
  let actorAllowed: boolean | undefined;

  for (const agent of ctx.agents) {
    const match = await matchTriggers(agent, event, ctx.forge, facts);
    if (!match) continue;
    const actor = event.actor.login.toLowerCase();
    if (actor === agent.login.toLowerCase()) {
      decisions.push({ kind: 'skip', agent: agent.name, reason: `its own action (${match.trigger})` });
      continue;
    }
    if (agentLogins.has(actor)) {
      if (!handOffAllowed(match.trigger, event)) {
        decisions.push({
          kind: 'skip',
          agent: agent.name,
          reason: `${event.actor.login} is an agent; agents hand off only by mention, label, assignment, review request or review`,
        });
        continue;
      }
    } else {
      actorAllowed ??= await personMayTrigger(ctx, event.repo, event.actor.login);
      if (!actorAllowed) {
        decisions.push({
          kind: 'skip',
          agent: agent.name,
          reason: `${event.actor.login} has no write access to ${event.repo.fullName} and is not in dispatch.allowUsers`,
        });
        continue;
      }
    }
    decisions.push({
      kind: 'work',
      key: { agent: agent.name, repo: repoKey(event.repo), issue: match.issue },
      repoRef: event.repo,
      trigger: match.trigger,
    });
  }
  return decisions;
}

/** The PR events the service makes up for the PR's author: a retarget, failed checks, a conflict. */
const SERVICE_PULL_ACTIONS: ReadonlySet<PullEvent['action']> = new Set(['retargeted', 'checks_failed', 'conflicted']);

/** What happened to the PR, and what its author would be asked to do. */
const ASKED: Readonly<Record<string, readonly [string, string]>> = {
  retargeted: ['was retargeted', 'rebase'],
  checks_failed: ['failed its checks', 'fix them'],
  conflicted: ['conflicts with its base', 'rebase'],
};

/**
 * Housekeeping retargeted a stacked PR (its base merged), or the pull watch found an agent's PR
 * failing its checks or conflicting with its base: its author, when an agent, gets a job on the key
 * its own work on that PR has (the issue of an `issue-<N>-…` head), to rebase or fix it in the same
 * session. The event is made up by the service, never by the forge, so no trigger or actor guard
 * applies.
 */
function authorJob(event: PullEvent, agents: readonly AgentConfig[]): RoutingDecision {
  const author = event.pull.author.login.toLowerCase();
  const agent = agents.find((a) => a.login.toLowerCase() === author);
  if (!agent)
    return {
      kind: 'skip',
      agent: '*',
      reason: `pull request #${event.pull.number} ${ASKED[event.action]?.[0] ?? event.action}; its author ${event.pull.author.login} is no agent, so nobody is asked to ${ASKED[event.action]?.[1] ?? 'act'}`,
    };
  const issue = policyOf(agent).pullsBelongToIssue
    ? (issueOfBranch(event.pull.headRef) ?? event.pull.number)
    : event.pull.number;
  return {
    kind: 'work',
    key: { agent: agent.name, repo: repoKey(event.repo), issue },
    repoRef: event.repo,
    trigger: event.action,
  };
}

/**
 * A check result asks no agent directly: the pull watch takes it (docs/until-merged.md). Routing
 * records whom it concerns, and why nothing follows when it concerns nobody — from the store,
 * without asking the forge.
 */
async function checkDecision(event: CheckEvent, ctx: RouteContext): Promise<RoutingDecision> {
  const pull = await ctx.watchedHead?.(repoKey(event.repo), event.sha);
  const what = `check ${JSON.stringify(event.context)} ${event.state} on ${event.sha.slice(0, 10)}`;
  return {
    kind: 'skip',
    agent: '*',
    reason:
      pull === undefined
        ? `${what}: not the head of an open pull request an agent opened (an old head, or nobody's), ignored`
        : `${what}: the head of #${pull}, taken by the pull watch`,
  };
}

/**
 * The milestone driver's own events (docs/milestones.md): a story whose upstream is done goes to
 * the implementer, on the story's own key; a plan request to the planner, on the issue's — unless
 * the planner put the plan label there itself. Made up by the service, never by the forge, so no
 * trigger or write-access guard applies (a plan label is put by someone who may label issues).
 */
function milestoneJob(event: IssueEvent, agents: readonly AgentConfig[]): RoutingDecision {
  const role = event.action === 'ready' ? 'implementer' : 'planner';
  const agent = agents.find((a) => a.role === role);
  if (!agent)
    return { kind: 'skip', agent: '*', reason: `no ${role} agent is configured to take issue #${event.issue.number}` };
  if (event.actor.login.toLowerCase() === agent.login.toLowerCase())
    return { kind: 'skip', agent: agent.name, reason: `its own action (${event.action})` };
  return {
    kind: 'work',
    key: { agent: agent.name, repo: repoKey(event.repo), issue: event.issue.number },
    repoRef: event.repo,
    trigger: event.action,
  };
}

/** A run's status comment (posted and edited by the agent's user) is bookkeeping, not a message to anyone. */
function isAgentStatusComment(event: ForgeEvent, agentLogins: ReadonlySet<string>): boolean {
  return (
    event.type === 'comment' &&
    agentLogins.has(event.comment.author.login.toLowerCase()) &&
    isStatusComment(event.comment.body)
  );
}

/** An agent's action triggers another agent only when it is an explicit hand-off, never plain chatter. */
function handOffAllowed(trigger: Trigger['on'], event: ForgeEvent): boolean {
  switch (trigger) {
    case 'mention':
    case 'label':
    case 'assigned':
    case 'review_requested':
      return true;
    case 'pr_feedback':
      return event.type === 'review';
    case 'issue_opened':
      return true;
  }
}

async function matchTriggers(
  agent: AgentConfig,
  event: ForgeEvent,
  forge: ForgeLookup,
  facts: RouteFacts,
): Promise<Match | undefined> {
  for (const trigger of agent.triggers) {
    const match = await matchTrigger(agent, trigger, event, forge, facts);
    if (match) return match;
  }
  return undefined;
}

async function matchTrigger(
  agent: AgentConfig,
  trigger: Trigger,
  event: ForgeEvent,
  forge: ForgeLookup,
  facts: RouteFacts,
): Promise<Match | undefined> {
  const login = agent.login.toLowerCase();
  switch (trigger.on) {
    case 'issue_opened':
      if (event.type === 'issue' && event.action === 'opened' && !event.issue.isPull)
        return { trigger: 'issue_opened', issue: event.issue.number };
      return undefined;

    case 'mention': {
      const text = mentionText(event);
      if (text === undefined || !mentions(text, agent.login)) return undefined;
      return { trigger: 'mention', issue: await workIssue(agent, event, forge) };
    }

    case 'assigned':
      if ((event.type === 'issue' || event.type === 'pull_request') && event.action === 'assigned') {
        // GitHub names the login assigned; Gitea sends only the resulting set.
        const assignees = event.type === 'issue' ? event.issue.assignees : event.pull.assignees;
        const target = event.assignee !== undefined ? [event.assignee] : assignees;
        if (target.some((a) => a.toLowerCase() === login))
          return { trigger: 'assigned', issue: await workIssue(agent, event, forge) };
      }
      return undefined;

    case 'label': {
      const set =
        event.type === 'issue' && event.action === 'labelled'
          ? event.issue.labels
          : event.type === 'pull_request' && event.action === 'labelled'
            ? event.pull.labels
            : undefined;
      // Gitea sends the whole set: only a label this event added triggers (docs/decisions.md §16).
      const labels = set === undefined ? undefined : (facts.addedLabels ?? set);
      if (labels?.some((l) => l.toLowerCase() === trigger.label.toLowerCase()))
        return { trigger: 'label', issue: await workIssue(agent, event, forge) };
      return undefined;
    }

    case 'review_requested':
      if (
        event.type === 'pull_request' &&
        event.action === 'review_requested' &&
        event.requestedReviewer?.toLowerCase() === login
      ) {
        return { trigger: 'review_requested', issue: event.pull.number };
      }
      return undefined;

    case 'pr_feedback':
      return matchPrFeedback(agent, event, forge);
  }
}

/** A review asking for changes (or commenting), or a comment, on a PR this agent opened from an issue branch. */
async function matchPrFeedback(agent: AgentConfig, event: ForgeEvent, forge: ForgeLookup): Promise<Match | undefined> {
  const feedback =
    (event.type === 'review' && (event.state === 'changes_requested' || event.state === 'comment')) ||
    (event.type === 'comment' && event.action === 'created' && event.issue.isPull);
  if (!feedback) return undefined;
  const issue = ownIssue(agent, await prHead(event, forge));
  return issue === undefined ? undefined : { trigger: 'pr_feedback', issue };
}

/**
 * The issue an agent's work on this event belongs to. A PR whose head branch is
 * `issue-<N>-<slug>`, opened by an agent whose pull requests belong to their issue (the implementer,
 * `config/roles.ts`), belongs to issue N, so review feedback reaches the conversation that wrote the
 * code; any other PR is its own key.
 */
async function workIssue(agent: AgentConfig, event: ForgeEvent, forge: ForgeLookup): Promise<number> {
  const number = eventNumber(event);
  if (!policyOf(agent).pullsBelongToIssue) return number;
  return ownIssue(agent, await prHead(event, forge)) ?? number;
}

/** Head branch and author of the PR an event is about; asks the forge when the payload lacks them. */
async function prHead(event: ForgeEvent, forge: ForgeLookup): Promise<{ headRef: string; author: string } | undefined> {
  const pull = pullOf(event);
  if (pull) return { headRef: pull.headRef, author: pull.author.login };
  if ((event.type === 'comment' || event.type === 'issue') && event.issue.isPull)
    return forge.pullHead(event.repo, event.issue.number);
  return undefined;
}

/** The issue of a PR head branch, when the agent itself opened that PR. */
function ownIssue(agent: AgentConfig, head: { headRef: string; author: string } | undefined): number | undefined {
  if (!head || head.author.toLowerCase() !== agent.login.toLowerCase()) return undefined;
  return issueOfBranch(head.headRef);
}

function eventNumber(event: ForgeEvent): number {
  switch (event.type) {
    case 'issue':
    case 'comment':
      return event.issue.number;
    case 'pull_request':
    case 'review':
      return event.pull.number;
    default:
      return 0;
  }
}

function mentionText(event: ForgeEvent): string | undefined {
  if (event.type === 'comment' && event.action === 'created') return event.comment.body;
  if (event.type === 'issue' && event.action === 'opened') return event.issue.body;
  if (event.type === 'pull_request' && event.action === 'opened') return event.pull.body;
  if (event.type === 'review') return event.review.body;
  return undefined;
}

/**
 * Whether `text` mentions `@login`, outside quoted lines and code: an agent quoting a human's
 * "@dev please…" must not re-trigger dev.
 */
export function mentions(text: string, login: string): boolean {
  const withoutCode = text.replace(/```[\s\S]*?(```|$)/g, '').replace(/`[^`\n]*`/g, '');
  const unquoted = withoutCode
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('>'))
    .join('\n');
  const escaped = login.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w@/.-])@${escaped}(?![\\w-])`, 'i').test(unquoted);
}

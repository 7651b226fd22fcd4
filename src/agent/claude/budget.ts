/**
 * The budgets checked before a run starts: the agent's spend today (UTC) against
 * `limits.maxDailyUsd`, the issue's cumulative spend across resumes against `limits.maxIssueUsd`.
 * What is left of both caps the run's own `maxBudgetUsd`. A comment `@<agent login> continue` among
 * the job's events lifts the issue budget for that one run when a person who may start runs wrote
 * it (routing's rule, `personMayTrigger`: write access or `dispatch.allowUsers`), checked here
 * again rather than trusted to routing: an agent's mention of another agent is a routed hand-off,
 * so another agent's "@dev continue" reaches dev's job — and must not lift dev's budget. No
 * agent's own user lifts a budget, its own or another's.
 */
import type { AgentConfig } from '../../config/types.js';
import type { StoredEvent } from '../../core/stored-event.js';
import { personMayTrigger, type TriggerRule } from '../../queue/route-event.js';
import { formatUsd } from '../../lib/format-usd.js';

export const DEFAULT_LIMITS = { maxRunMinutes: 30, maxIssueUsd: 20, maxDailyUsd: 50 } as const;

export type BudgetCheck =
  | { readonly ok: true; readonly maxBudgetUsd: number; readonly lifted: boolean }
  | { readonly ok: false; readonly detail: string; readonly spentUsd: number };

export interface BudgetInput {
  readonly agent: AgentConfig;
  readonly events: readonly StoredEvent[];
  /** The key's cumulative cost so far (all sessions). */
  readonly issueSpentUsd: number;
  readonly issueRuns: number;
  readonly todaySpentUsd: number;
  /** Who may say `continue`: routing's rule (the configured agents, `dispatch.allowUsers`, the forge's permissions). */
  readonly trigger: TriggerRule;
}

/** May throw what the permission lookup throws (`ForgeUnavailableError`, transient: the job is retried). */
export async function checkBudgets(input: BudgetInput): Promise<BudgetCheck> {
  const { agent } = input;
  const maxDaily = agent.limits.maxDailyUsd ?? DEFAULT_LIMITS.maxDailyUsd;
  const maxIssue = agent.limits.maxIssueUsd ?? DEFAULT_LIMITS.maxIssueUsd;
  if (input.todaySpentUsd >= maxDaily) {
    return {
      ok: false,
      spentUsd: input.todaySpentUsd,
      detail: `${agent.name} has spent ${formatUsd(input.todaySpentUsd)} today (UTC), its daily budget of ${formatUsd(maxDaily)} (limits.maxDailyUsd): it runs again after midnight UTC, or raise the limit`,
    };
  }
  const lifted = await continueRequested(input.events, agent.login, input.trigger);
  if (!lifted && input.issueSpentUsd >= maxIssue) {
    return {
      ok: false,
      spentUsd: input.issueSpentUsd,
      detail: `this issue has cost ${formatUsd(input.issueSpentUsd)} over ${input.issueRuns} run(s), its budget of ${formatUsd(maxIssue)} (limits.maxIssueUsd): comment "@${agent.login} continue" to allow one more run`,
    };
  }
  const left = [
    agent.limits.maxBudgetUsd,
    maxDaily - input.todaySpentUsd,
    lifted ? Infinity : maxIssue - input.issueSpentUsd,
  ];
  return { ok: true, maxBudgetUsd: Math.min(...left), lifted };
}

/**
 * Whether a new comment of the job says `@login continue` and was written by a person who may
 * trigger agents. Both the comment's author and the event's sender count (one person for a new
 * comment); the forge is asked only about comments that say it.
 */
export async function continueRequested(
  events: readonly StoredEvent[],
  login: string,
  trigger: TriggerRule,
): Promise<boolean> {
  for (const { event } of events) {
    if (event.type !== 'comment' || event.action !== 'created' || !saysContinue(event.comment.body, login)) continue;
    if (
      (await personMayTrigger(trigger, event.repo, event.comment.author.login)) &&
      (await personMayTrigger(trigger, event.repo, event.actor.login))
    )
      return true;
  }
  return false;
}

/** `@login continue` as its own words. */
export function saysContinue(body: string, login: string): boolean {
  const pattern = new RegExp(`(^|\\s)@${login.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+continue\\b`, 'i');
  return pattern.test(body);
}

export function startOfUtcDay(now: number): number {
  return now - (now % 86_400_000);
}

/**
 * The budgets checked before a run starts (issue #9): the agent's spend today (UTC) against
 * `limits.maxDailyUsd`, the issue's cumulative spend across resumes against `limits.maxIssueUsd`.
 * What is left of both caps the run's own `maxBudgetUsd`. A comment `@<agent login> continue` among
 * the job's events lifts the issue budget for that one run; such a comment reached the job only
 * if dispatch let its author trigger agents (write access, or `dispatch.allowUsers`).
 */
import type { AgentConfig } from '../../config/types.js';
import type { StoredEvent } from '../../intake/ports.js';

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
}

export function checkBudgets(input: BudgetInput): BudgetCheck {
  const { agent } = input;
  const maxDaily = agent.limits.maxDailyUsd ?? DEFAULT_LIMITS.maxDailyUsd;
  const maxIssue = agent.limits.maxIssueUsd ?? DEFAULT_LIMITS.maxIssueUsd;
  if (input.todaySpentUsd >= maxDaily) {
    return {
      ok: false,
      spentUsd: input.todaySpentUsd,
      detail: `${agent.name} has spent ${usd(input.todaySpentUsd)} today (UTC), its daily budget of ${usd(maxDaily)} (limits.maxDailyUsd): it runs again after midnight UTC, or raise the limit`,
    };
  }
  const lifted = continueRequested(input.events, agent.login);
  if (!lifted && input.issueSpentUsd >= maxIssue) {
    return {
      ok: false,
      spentUsd: input.issueSpentUsd,
      detail: `this issue has cost ${usd(input.issueSpentUsd)} over ${input.issueRuns} run(s), its budget of ${usd(maxIssue)} (limits.maxIssueUsd): comment "@${agent.login} continue" to allow one more run`,
    };
  }
  const left = [agent.limits.maxBudgetUsd, maxDaily - input.todaySpentUsd, lifted ? Infinity : maxIssue - input.issueSpentUsd];
  return { ok: true, maxBudgetUsd: Math.min(...left), lifted };
}

/** `@login continue` as its own words in a new comment of the job. */
export function continueRequested(events: readonly StoredEvent[], login: string): boolean {
  const pattern = new RegExp(`(^|\\s)@${login.replace(/[.]/g, '\\.')}\\s+continue\\b`, 'i');
  return events.some(({ event }) => event.type === 'comment' && event.action === 'created' && pattern.test(event.comment.body));
}

export function startOfUtcDay(now: number): number {
  return now - (now % 86_400_000);
}

export function usd(value: number): string {
  return `$${value.toFixed(value < 1 ? 4 : 2)}`;
}

/**
 * A run's outcome as a closed set, read from the SDK's `result` message (or its absence). A
 * `result` with subtype `success` but `is_error: true` is a failure (the runtime reports API
 * errors that way).
 */
import type { SDKResultMessage } from '@anthropic-ai/claude-agent-sdk';
import type { ModelHealth, TroubleStatus } from '../../sandbox/model-health.js';
import type { RunOutcomeKind } from '../../core/run-outcome.js';

export interface ClassifiedRun {
  readonly outcome: RunOutcomeKind;
  /** For anything but success: what went wrong, or what was spent. */
  readonly detail: string | undefined;
}

export type StopReason =
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'wall-clock'; readonly minutes: number }
  /** The job is no longer this worker's (its lease passed; another worker may run it). */
  | { readonly kind: 'lease-lost' }
  | undefined;

/**
 * `overBudget`: the model proxy refused a request because the run's budget was spent. `trouble`:
 * the model API was failing when the run ended — then a run that did not succeed was stopped by
 * an outage, not by a budget it never spent.
 */
export function classifyRun(
  result: SDKResultMessage | undefined,
  thrown: Error | undefined,
  stopped: StopReason,
  overBudget = false,
  trouble?: ModelHealth,
): ClassifiedRun {
  if (overBudget)
    return {
      outcome: 'budget-exceeded',
      detail: `stopped at the run's budget, counted by the service (limits.maxBudgetUsd or what is left of the issue's or the day's budget)`,
    };
  const succeeded = result?.subtype === 'success' && !result.is_error;
  if (
    !succeeded &&
    stopped?.kind !== 'cancelled' &&
    stopped?.kind !== 'lease-lost' &&
    trouble &&
    trouble.consecutiveFailures > 0
  ) {
    return {
      outcome: 'model-unavailable',
      detail: `the model API did not get through: ${trouble.consecutiveFailures} request(s) in a row failed, the last ${describeTrouble(trouble.failures.lastStatus, trouble.failures.lastMessage)}`,
    };
  }
  // The runtime gave up on a request the proxy could not count as failed (it hung up first, after
  // waiting minutes for an answer that never began): its own words say so.
  const said =
    result?.subtype === 'success'
      ? result.is_error
        ? result.result
        : ''
      : (result?.errors.join('; ') ?? thrown?.message ?? '');
  if (!succeeded && stopped === undefined && API_OUTAGE.test(said))
    return { outcome: 'model-unavailable', detail: `the model API did not get through: ${said}` };
  if (stopped?.kind === 'wall-clock')
    return {
      outcome: 'budget-exceeded',
      detail: `stopped after ${stopped.minutes} minutes, the run's wall-clock limit (limits.maxRunMinutes)`,
    };
  if (stopped?.kind === 'lease-lost')
    return {
      outcome: 'interrupted',
      detail: 'this worker lost the job: its lease passed, and another worker may be running it',
    };
  if (stopped?.kind === 'cancelled')
    return {
      outcome: 'interrupted',
      detail: 'the run was cancelled (the service is stopping, or the job was cancelled)',
    };
  if (result === undefined)
    return {
      outcome: 'failed',
      detail: `the agent runtime ended without a result: ${thrown?.message ?? 'no message'}`,
    };
  switch (result.subtype) {
    case 'success':
      return result.is_error
        ? { outcome: 'failed', detail: result.result || 'the runtime reported an error' }
        : { outcome: 'succeeded', detail: undefined };
    case 'error_max_turns':
      return { outcome: 'max-turns', detail: `stopped after ${result.num_turns} turns, the limit (limits.maxTurns)` };
    case 'error_max_budget_usd':
      return {
        outcome: 'budget-exceeded',
        detail: `stopped at the run's budget (limits.maxBudgetUsd or what is left of the issue's or the day's budget)`,
      };
    default:
      return { outcome: 'failed', detail: result.errors.join('; ') || result.subtype };
  }
}

/** How the runtime words a model request it gave up on for the API's sake, not the request's. */
const API_OUTAGE = /API Error: (?:429|5\d\d)\b|Request timed out|Connection error|overloaded/i;

/** A failed model attempt in words: "answered 529 (Overloaded)", "stalled (…)", "got no answer (…)". */
export function describeTrouble(status: TroubleStatus | undefined, message: string | undefined): string {
  const said = message ? ` (${message})` : '';
  if (status === 'stalled') return `stalled${said}`;
  if (status === 'no-answer' || status === undefined) return `got no answer${said}`;
  return `answered ${status}${status === 529 ? ' overloaded' : ''}${said}`;
}

export function isNoConversation(text: string | undefined): boolean {
  return text !== undefined && /No conversation found with session ID/i.test(text);
}

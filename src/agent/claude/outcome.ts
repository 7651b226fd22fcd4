/**
 * A run's outcome as a closed set, read from the SDK's `result` message (or its absence). A
 * `result` with subtype `success` but `is_error: true` is a failure (the runtime reports API
 * errors that way).
 */
import type { SDKResultMessage } from '@anthropic-ai/claude-agent-sdk';
import type { RunOutcomeKind } from '../status/types.js';

export interface ClassifiedRun {
  readonly outcome: RunOutcomeKind;
  /** For anything but success: what went wrong, or what was spent. */
  readonly detail: string | undefined;
}

export type StopReason = { readonly kind: 'cancelled' } | { readonly kind: 'wall-clock'; readonly minutes: number } | undefined;

/** `overBudget`: the model proxy refused a request because the run's budget was spent. */
export function classifyRun(result: SDKResultMessage | undefined, thrown: Error | undefined, stopped: StopReason, overBudget = false): ClassifiedRun {
  if (overBudget) return { outcome: 'budget-exceeded', detail: `stopped at the run's budget, counted by the service (limits.maxBudgetUsd or what is left of the issue's or the day's budget)` };
  if (stopped?.kind === 'wall-clock') return { outcome: 'budget-exceeded', detail: `stopped after ${stopped.minutes} minutes, the run's wall-clock limit (limits.maxRunMinutes)` };
  if (stopped?.kind === 'cancelled') return { outcome: 'interrupted', detail: 'the run was cancelled (the service is stopping, or the job was cancelled)' };
  if (result === undefined) return { outcome: 'failed', detail: `the agent runtime ended without a result: ${thrown?.message ?? 'no message'}` };
  switch (result.subtype) {
    case 'success':
      return result.is_error ? { outcome: 'failed', detail: result.result || 'the runtime reported an error' } : { outcome: 'succeeded', detail: undefined };
    case 'error_max_turns':
      return { outcome: 'max-turns', detail: `stopped after ${result.num_turns} turns, the limit (limits.maxTurns)` };
    case 'error_max_budget_usd':
      return { outcome: 'budget-exceeded', detail: `stopped at the run's budget (limits.maxBudgetUsd or what is left of the issue's or the day's budget)` };
    default:
      return { outcome: 'failed', detail: result.errors.join('; ') || result.subtype };
  }
}

export function isNoConversation(text: string | undefined): boolean {
  return text !== undefined && /No conversation found with session ID/i.test(text);
}

/**
 * Check results as the pull watch takes them (`pulls/take-check.ts` `CheckResult`): from a
 * `CheckEvent`, or from the commit statuses the watch reads itself — the newest of each context.
 */
import type { CheckEvent } from '../core/events.js';
import type { CommitStatus } from '../forge/client.js';
import { statusState } from '../forge/webhook/check-fields.js';
import type { CheckResult } from '../pulls/take-check.js';

export function eventResult(event: CheckEvent): CheckResult {
  return {
    sha: event.sha,
    context: event.context,
    state: event.state,
    source: event.source,
    targetUrl: event.targetUrl,
    description: event.description,
    runId: event.runId,
    jobId: event.jobId,
    at: event.at === '' ? 0 : Date.parse(event.at) || 0,
  };
}

/** A commit's statuses as results: the newest of each context, each state read as a `status` webhook's is. */
export function statusResults(sha: string, statuses: readonly CommitStatus[]): CheckResult[] {
  const newest = new Map<string, CheckResult>();
  for (const status of statuses) {
    const result: CheckResult = {
      sha,
      context: status.context,
      state: statusState(status.state),
      source: 'status',
      targetUrl: status.targetUrl,
      description: status.description,
      at: Date.parse(status.updatedAt) || 0,
    };
    const known = newest.get(result.context);
    if (!known || known.at < result.at) newest.set(result.context, result);
  }
  return [...newest.values()];
}

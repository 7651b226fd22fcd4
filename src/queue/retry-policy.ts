/**
 * When a failed job runs again. Two kinds of retryable failure:
 * - an **outage** — the model, the forge or git could not be reached, was overloaded or stalled:
 *   nothing about the job is wrong, so it is tried again, with capped exponential backoff, for as
 *   long as the backoffs add up to `outageHorizonMs` (default long enough to ride out a
 *   15-minute outage), and at least `maxAttempts` times;
 * - any other retryable failure — tried at most `maxAttempts` times.
 * Counted from the job's stored attempts, so the policy holds across restarts.
 */
import { cappedBackoff } from '../lib/backoff.js';

export interface RetryPolicy {
  readonly maxAttempts: number;
  /** The first retry's delay; it doubles with each attempt. */
  readonly backoffMs: number;
  /** No delay is longer than this. */
  readonly maxBackoffMs: number;
  /** An outage is retried while the delays so far add up to at most this. */
  readonly outageHorizonMs: number;
}

/** The delay after the `attempt`-th attempt (1-based) failed. */
export function backoffAfter(policy: RetryPolicy, attempt: number): number {
  return cappedBackoff(attempt, policy.backoffMs, policy.maxBackoffMs);
}

/**
 * How long to wait before the next attempt, after the `attempt`-th failed; undefined when the
 * job is not tried again.
 */
export function nextRetryDelay(policy: RetryPolicy, attempt: number, outage: boolean): number | undefined {
  const delay = backoffAfter(policy, attempt);
  if (attempt < policy.maxAttempts) return delay;
  if (!outage) return undefined;
  let waited = 0;
  for (let n = 1; n <= attempt; n += 1) waited += backoffAfter(policy, n);
  return waited <= policy.outageHorizonMs ? delay : undefined;
}

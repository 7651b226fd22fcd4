/** The dispatcher's settings and what it tells observers; shared by the modules it wires. */
import type { Job } from './ports.js';
import type { RunOutcome } from '../core/run-outcome.js';

export interface DispatchLimits {
  readonly concurrency: number;
  readonly perRepository: number;
  readonly maxAttempts: number;
  /** The first retry's delay; it doubles with each attempt, up to `maxBackoffMs`. */
  readonly backoffMs: number;
  /** The longest delay between attempts (default 5 minutes). */
  readonly maxBackoffMs?: number;
  /** An outage (`RunOutcome.outage`) is retried while the delays add up to at most this (default 20 minutes). */
  readonly outageHorizonMs?: number;
  /** How long a tripped circuit breaker pauses a key. */
  readonly pauseMs: number;
  /** How soon a job whose worktree was leased to another job looks again (default 1 s). */
  readonly leaseWaitMs?: number;
}

export type DispatchNotice =
  /** Routing decided these events (stored ids); the decisions are written next, one write per batch. */
  | { readonly type: 'events-routed'; readonly eventIds: readonly number[] }
  /** Their decisions are written and durable: each event routed to an agent is in its key's job. */
  | { readonly type: 'events-queued'; readonly eventIds: readonly number[] }
  | { readonly type: 'job-started'; readonly job: Job }
  | { readonly type: 'job-finished'; readonly job: Job; readonly outcome: RunOutcome }
  /** The run could not begin (its worktree is leased): re-queued, the attempt given back. */
  | { readonly type: 'job-waiting'; readonly job: Job; readonly reason: string }
  | { readonly type: 'key-paused'; readonly job: Job; readonly reason: string };

export type Emit = (notice: DispatchNotice) => void;

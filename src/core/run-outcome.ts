/**
 * How a job's run ended: the runner's answer to dispatch (`RunOutcome`, with what it did,
 * `RunFacts`) and the run record's closed set of outcomes (`RunOutcomeKind`), which the status
 * comment, the run records and the metrics speak.
 */

/**
 * `model-unavailable`: the model API was unreachable, overloaded or stalled, and the runtime's
 * own retries did not get through — an outage, not the job's fault; the job is retried.
 */
export type RunOutcomeKind =
  | 'succeeded'
  | 'failed'
  | 'interrupted'
  | 'budget-exceeded'
  | 'max-turns'
  | 'model-unavailable';

/**
 * What a run did, told by runners that know (the Claude runner); dispatch only passes it on to
 * listeners and never reads it, so it stays ignorant of sessions and of the SDK.
 */
export interface RunFacts {
  readonly sessionId?: string;
  readonly session?: 'new' | 'resumed';
  readonly prompt?: { readonly kind: 'full' | 'delta'; readonly bytes: number };
  readonly turns?: number;
  readonly tokens?: {
    readonly input: number;
    readonly output: number;
    readonly cacheRead: number;
    readonly cacheCreation: number;
  };
  readonly costUsd?: number;
  /** The run record's id (`GET /api/runs/:id`). */
  readonly runId?: number;
}

export type RunOutcome =
  | { readonly ok: true; readonly summary?: string; readonly facts?: RunFacts }
  | {
      readonly ok: false;
      readonly error: string;
      readonly retryable: boolean;
      /**
       * The run could not begin: what it needs (its worktree) is leased to another job. Not an
       * attempt — the job goes back to the queue, holding no slot, and tries again shortly.
       */
      readonly wait?: true;
      /**
       * The failure came from outside the job — the model, the forge or git was unreachable,
       * overloaded or stalled: retried over the outage horizon (`retry-policy.ts`), not just
       * `maxAttempts` times. Implies `retryable`.
       */
      readonly outage?: true;
      readonly facts?: RunFacts;
    };

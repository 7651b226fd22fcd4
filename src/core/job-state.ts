/**
 * Job states and the only transitions between them. Every state change in the store goes
 * through `assertTransition`, so a job can never, say, go from `succeeded` back to `running`.
 *
 * queued → running            a slot was free and the key had no running job
 * running → succeeded | failed
 * running → queued            a retry after a failure (with backoff), or recovery after a crash
 * queued → cancelled          an operator cancelled it (reset, repository deleted)
 * running → cancelled         its work was removed under it (the run is aborted)
 */
export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  queued: ['running', 'cancelled'],
  running: ['succeeded', 'failed', 'queued', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

export class InvalidTransitionError extends Error {
  readonly code = 'INVALID_JOB_TRANSITION';
  constructor(
    readonly jobId: number,
    readonly from: JobState,
    readonly to: JobState,
  ) {
    super(`job ${jobId} cannot go from ${from} to ${to}`);
    this.name = 'InvalidTransitionError';
  }
}

export function assertTransition(jobId: number, from: JobState, to: JobState): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(jobId, from, to);
}

export function isFinal(state: JobState): boolean {
  return TRANSITIONS[state].length === 0;
}

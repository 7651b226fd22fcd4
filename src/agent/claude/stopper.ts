/**
 * One `AbortController` for a run, aborted by the job's signal (cancellation: the service is
 * stopping), by the wall-clock limit — counted from when the job started, so the time its
 * worktree took counts too — or by the runner itself (`stop`: the job is no longer this
 * worker's), remembering which came first.
 */
import type { StopReason } from './outcome.js';

export interface Stopper {
  readonly controller: AbortController;
  reason(): StopReason;
  /** Stops the run for `reason`, unless something stopped it first. */
  stop(reason: NonNullable<StopReason>): void;
  dispose(): void;
}

/**
 * One controller for cancellation (the job's signal) and the wall-clock limit of `minutes` from
 * `startedAt` (`now()` is the clock's time; both default to now).
 */
export function createStopper(
  signal: AbortSignal,
  minutes: number,
  clock?: { readonly startedAt: number; now(): number },
): Stopper {
  const controller = new AbortController();
  let reason: StopReason;
  const cancel = () => {
    reason ??= { kind: 'cancelled' };
    controller.abort();
  };
  if (signal.aborted) cancel();
  signal.addEventListener('abort', cancel, { once: true });
  const spent = clock ? Math.max(0, clock.now() - clock.startedAt) : 0;
  const timer = setTimeout(
    () => {
      reason ??= { kind: 'wall-clock', minutes };
      controller.abort();
    },
    Math.max(0, minutes * 60_000 - spent),
  );
  timer.unref();
  return {
    controller,
    reason: () => reason,
    stop(why) {
      reason ??= why;
      controller.abort();
    },
    dispose() {
      clearTimeout(timer);
      signal.removeEventListener('abort', cancel);
    },
  };
}

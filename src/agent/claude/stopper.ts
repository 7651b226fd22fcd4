/**
 * One `AbortController` for a run, aborted by the job's signal (cancellation: the service is
 * stopping) or by the wall-clock limit, remembering which came first.
 */
import type { StopReason } from './outcome.js';

export interface Stopper {
  readonly controller: AbortController;
  reason(): StopReason;
  dispose(): void;
}

/** One controller for cancellation (the job's signal) and the wall-clock limit. */
export function createStopper(signal: AbortSignal, minutes: number): Stopper {
  const controller = new AbortController();
  let reason: StopReason;
  const cancel = () => {
    reason ??= { kind: 'cancelled' };
    controller.abort();
  };
  if (signal.aborted) cancel();
  signal.addEventListener('abort', cancel, { once: true });
  const timer = setTimeout(() => {
    reason ??= { kind: 'wall-clock', minutes };
    controller.abort();
  }, minutes * 60_000);
  timer.unref();
  return {
    controller,
    reason: () => reason,
    dispose() {
      clearTimeout(timer);
      signal.removeEventListener('abort', cancel);
    },
  };
}

/**
 * Time as a port, so tests can move it: what time it is, and when to act next. Every timer that
 * decides when the service acts — a wake-up for a job falling due, a retry, a poll, a lease, a
 * sample — goes through it; a deadline on one I/O operation (a git process gone silent, a socket
 * that stalls) stays with that operation (decisions.md §49). Lint holds the line: outside the
 * files that own such deadlines, `setTimeout` and `setInterval` are refused.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Calls `fire` once, `ms` from now (at once for `ms` ≤ 0, on a later turn). A pending timer never
   * keeps the process alive; cancelling one that fired already does nothing.
   */
  after(ms: number, fire: () => void): Timer;
}

export interface Timer {
  cancel(): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fire) {
    // biome-ignore lint/style/noRestrictedGlobals: the one place the service's timers meet the runtime's.
    const timer = setTimeout(fire, Math.max(0, ms));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

/** Settles after `ms` on `clock`; an abort rejects it at once with the signal's reason. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.after(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls `fire` every `ms` until cancelled: each round is timed from the previous one's due time,
 * so a slow `fire` neither drifts the rounds nor doubles them (a round is never started twice).
 */
export function every(clock: Clock, ms: number, fire: () => void): Timer {
  let timer: Timer | undefined;
  let cancelled = false;
  const arm = () => {
    timer = clock.after(ms, () => {
      if (cancelled) return;
      arm();
      fire();
    });
  };
  arm();
  return {
    cancel() {
      cancelled = true;
      timer?.cancel();
    },
  };
}

/** `work`'s value, or `undefined` when it has not settled within `ms` (`work` goes on). */
export async function within<T>(clock: Clock, ms: number, work: Promise<T>): Promise<T | undefined> {
  let timer: Timer | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = clock.after(ms, () => resolve(undefined));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    timer?.cancel();
  }
}

export interface ManualClock extends Clock {
  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in order, each with
   * the clock set to its due time (a timer a firing one sets is fired too when it falls due).
   */
  advance(ms: number): void;
  /** Sets the time without firing anything: for a clock that jumps (a suspended machine). */
  set(ms: number): void;
  /** Timers not fired nor cancelled yet (a timer set for now fires on the next turn by itself). */
  pending(): number;
}

/** A clock that moves only when told to. */
export function manualClock(start = Date.parse('2026-01-01T00:00:00Z')): ManualClock {
  let current = start;
  let sequence = 0;
  const timers = new Map<number, { due: number; fire: () => void }>();
  const nextDue = (limit: number) => {
    let found: [number, { due: number; fire: () => void }] | undefined;
    for (const entry of timers) {
      if (entry[1].due > limit) continue;
      if (!found || entry[1].due < found[1].due) found = entry;
    }
    return found;
  };
  return {
    now: () => current,
    after(ms, fire) {
      const id = ++sequence;
      timers.set(id, { due: current + Math.max(0, ms), fire });
      // Due already: fired on a later turn without waiting for an `advance`, as the system clock does.
      if (ms <= 0) setImmediate(() => timers.delete(id) && fire());
      return { cancel: () => void timers.delete(id) };
    },
    advance(ms) {
      const target = current + ms;
      for (let due = nextDue(target); due; due = nextDue(target)) {
        timers.delete(due[0]);
        current = Math.max(current, due[1].due);
        due[1].fire();
      }
      current = target;
    },
    set(ms) {
      current = ms;
    },
    pending: () => timers.size,
  };
}

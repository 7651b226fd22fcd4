/**
 * Work coalesced by key: a burst of requests for one key (one issue to read, one milestone to
 * rebuild, one pull request's check results) runs once, a request that comes while its key runs
 * runs once more after it, and at most `concurrency` keys run at a time, oldest first. Bounded:
 * past `maxPending` waiting keys a new key is dropped and said — what the milestone driver or the
 * pull watch drops, the next event or catch-up brings again. A task that throws is handed to
 * `failed` and the queue goes on.
 */

export interface KeyedQueueOptions<T> {
  readonly concurrency: number;
  readonly maxPending: number;
  readonly run: (key: string, value: T) => Promise<void>;
  /** A request for a key that waits already: what the two requests make together. */
  readonly merge: (older: T, newer: T) => T;
  readonly failed: (key: string, value: T, error: unknown) => void;
  readonly dropped: (key: string) => void;
}

export interface KeyedQueue<T> {
  add(key: string, value: T): void;
  /** Settles when no key waits or runs. */
  idle(): Promise<void>;
  /** Keys waiting or running. */
  size(): number;
}

export function createKeyedQueue<T>(options: KeyedQueueOptions<T>): KeyedQueue<T> {
  /** Waiting keys, in the order they came (a Map keeps insertion order). */
  const waiting = new Map<string, T>();
  /** Requests for keys that run now: each runs again once its run ends. */
  const again = new Map<string, T>();
  const running = new Set<string>();
  let idlers: Array<() => void> = [];

  const settleIdlers = () => {
    if (waiting.size > 0 || running.size > 0) return;
    const resolve = idlers;
    idlers = [];
    for (const done of resolve) done();
  };

  const pump = () => {
    for (const [key, value] of waiting) {
      if (running.size >= options.concurrency) return;
      waiting.delete(key);
      running.add(key);
      void options
        .run(key, value)
        .catch((error: unknown) => options.failed(key, value, error))
        .finally(() => {
          running.delete(key);
          const next = again.get(key);
          if (next !== undefined) {
            again.delete(key);
            waiting.set(key, next);
          }
          pump();
          settleIdlers();
        });
    }
  };

  return {
    add(key, value) {
      const target = running.has(key) ? again : waiting;
      const older = target.get(key);
      if (older !== undefined) {
        target.set(key, options.merge(older, value));
        return;
      }
      if (waiting.size + again.size >= options.maxPending) {
        options.dropped(key);
        return;
      }
      target.set(key, value);
      pump();
    },
    idle() {
      if (waiting.size === 0 && running.size === 0) return Promise.resolve();
      return new Promise((resolve) => idlers.push(resolve));
    },
    size: () => waiting.size + running.size,
  };
}

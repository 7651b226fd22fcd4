/**
 * Waiters re-checked whenever something they wait for may have happened: a benchmark's service
 * calls `changed` on each notice it gets, and a sample waits with `until` — a bound on the wait
 * that names what never came, not a poll.
 */
export function signals(timeoutMs: number) {
  const waiting = new Set<() => void>();
  return {
    changed: () => {
      for (const check of [...waiting]) check();
    },
    until(done: () => boolean, what: string): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`timed out waiting for ${what}`));
        }, timeoutMs);
        const check = () => {
          if (!done()) return;
          clearTimeout(timer);
          waiting.delete(check);
          resolve();
        };
        waiting.add(check);
        check();
      });
    },
  };
}

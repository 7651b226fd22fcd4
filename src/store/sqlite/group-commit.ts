/**
 * Group commit: writes submitted while the event loop was busy are committed together in one
 * transaction — one fsync for the batch — and each caller's promise settles only after that
 * commit. Each write runs in its own savepoint, so one failing write does not undo the others.
 *
 * This is how the intake keeps `synchronous=FULL` (every 202 is on disk) and still takes
 * thousands of deliveries a second: the cost of a commit is shared by everything that arrived
 * during the previous one.
 */
import type { Db } from './open-database.js';

interface Pending {
  readonly write: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export interface GroupCommitter {
  submit<T>(write: () => T): Promise<T>;
  /** Settles once everything submitted so far is committed. */
  drain(): Promise<void>;
}

export function createGroupCommitter(db: Db, onCommitted?: (batchSize: number) => void): GroupCommitter {
  let queue: Pending[] = [];
  let scheduled = false;
  let idle: Array<() => void> = [];

  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      db.transaction(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: db.transaction(item.write)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      for (const item of batch) item.reject(error);
      settleIdle();
      return;
    }
    onCommitted?.(batch.length);
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.error);
    });
    settleIdle();
  };

  const settleIdle = () => {
    if (queue.length > 0 || scheduled) return;
    const waiters = idle;
    idle = [];
    for (const wake of waiters) wake();
  };

  return {
    submit<T>(write: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    drain(): Promise<void> {
      if (queue.length === 0 && !scheduled) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}

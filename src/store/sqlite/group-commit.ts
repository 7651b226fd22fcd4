/**
 * Group commit: writes submitted while the event loop was busy are committed together in one
 * transaction, and each caller's promise settles only after that transaction is **on disk**.
 * Each write runs in its own savepoint, so one failing write does not undo the others.
 *
 * Durability without blocking the event loop: the database runs WAL with `synchronous=NORMAL`
 * (a commit appends to the WAL but does not fsync), and after each commit the WAL file is
 * fsynced on libuv's thread pool; only then are the batch's promises resolved. A promise that
 * resolved is therefore as durable as under `synchronous=FULL`, but the fsync no longer stalls
 * HTTP parsing, and batches that commit while an fsync is in flight share the next one.
 * (Measured by `npm run bench -- intake`; see docs/benchmarks.md.)
 */
import { close as closeFd, fsync, open } from 'node:fs';
import type { Db } from './open-database.js';

interface Pending {
  readonly write: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Commits a batch in one transaction. Fast path: every write in a row, no savepoints. If one
 * throws, the whole transaction is rolled back and the batch is run again with a savepoint
 * around each write, so the failing write is undone alone and the others still commit — the
 * savepoints cost about a fifth of a write, and failures are rare.
 */
function commitBatch(db: Db, batch: readonly Pending[]): Outcome[] {
  try {
    return db.transaction(() => batch.map((item): Outcome => ({ ok: true, value: item.write() })))();
  } catch {
    return db.transaction(() =>
      batch.map((item): Outcome => {
        try {
          return { ok: true, value: db.transaction(item.write)() };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    )();
  }
}

export interface GroupCommitter {
  submit<T>(write: () => T): Promise<T>;
  /** Settles once everything submitted so far is committed and synced. */
  drain(): Promise<void>;
  /** Closes the WAL file handle; call after `drain`, before closing the database. */
  close(): Promise<void>;
}

export interface GroupCommitOptions {
  /**
   * The file to fsync after each commit (the database's `-wal` file). Without it nothing extra is
   * synced, which is durable only when the database itself runs with `synchronous=FULL`.
   */
  readonly syncFile?: string;
}

export function createGroupCommitter(db: Db, options: GroupCommitOptions = {}): GroupCommitter {
  let queue: Pending[] = [];
  let scheduled = false;
  let inFlight = 0;
  let idle: Array<() => void> = [];
  const sync = options.syncFile === undefined ? undefined : createFileSyncer(options.syncFile);

  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = commitBatch(db, batch);
    } catch (error) {
      for (const item of batch) item.reject(error);
      settleIdle();
      return;
    }
    const settle = (syncError?: unknown) => {
      batch.forEach((item, i) => {
        const outcome = outcomes[i];
        if (syncError) item.reject(syncError);
        else if (outcome?.ok) item.resolve(outcome.value);
        else item.reject(outcome?.error);
      });
      inFlight--;
      settleIdle();
    };
    inFlight++;
    if (sync !== undefined) sync.request(settle);
    else settle();
  };

  const settleIdle = () => {
    if (queue.length > 0 || scheduled || inFlight > 0) return;
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
      if (queue.length === 0 && !scheduled && inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
    async close() {
      await sync?.close();
    },
  };
}

/**
 * Coalescing fsync of one file on the thread pool: requests made while an fsync is running are
 * served together by the next one, which starts as soon as the running one ends.
 */
function createFileSyncer(path: string) {
  let fd: number | undefined;
  let running = false;
  let waiting: Array<(error?: unknown) => void> = [];
  let stopped: (() => void) | undefined;

  const withFd = (then: (error: unknown, fd?: number) => void) => {
    if (fd !== undefined) return then(null, fd);
    open(path, 'r', (error, opened) => {
      if (error) return then(error);
      fd = opened;
      then(null, opened);
    });
  };

  const run = () => {
    running = true;
    const served = waiting;
    waiting = [];
    withFd((openError, handle) => {
      const done = (error: unknown) => {
        running = false;
        for (const callback of served) callback(error ?? undefined);
        if (waiting.length > 0) run();
        else stopped?.();
      };
      if (openError || handle === undefined) return done(openError);
      fsync(handle, done);
    });
  };

  return {
    request(callback: (error?: unknown) => void) {
      waiting.push(callback);
      if (!running) run();
    },
    close(): Promise<void> {
      return new Promise<void>((resolve) => {
        const finish = () => {
          if (fd !== undefined) {
            const handle = fd;
            fd = undefined;
            closeFd(handle, () => resolve());
          } else resolve();
        };
        if (!running) finish();
        else stopped = finish;
      });
    },
  };
}

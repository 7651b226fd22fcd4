/**
 * Runs the cleanup queue: claims a due task whose keys have no queued or running job, runs it,
 * records what it did. A task whose worktree is still leased waits without using up an attempt;
 * any other failure is retried with backoff and, after `maxAttempts`, recorded as failed with its
 * reason. Woken when an event is stored, when a job ends, and every `pollMs` (a task waiting for
 * a job). At start-up, tasks a dead process left running are queued again.
 */
import type { Clock, Timer } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { CleanupBusyError, runCleanup, type CleanupDeps } from './cleanup-actions.js';
import type { CleanupQueue } from './ports.js';
import { cappedBackoff } from '../lib/backoff.js';

/** The longest wait before a failed cleanup task is tried again. */
const MAX_BACKOFF_MS = 5 * 60_000;

export interface CleanupWorkerOptions extends CleanupDeps {
  readonly queue: CleanupQueue;
  readonly clock: Clock;
  readonly log: Logger;
  readonly pollMs?: number;
  readonly backoffMs?: number;
  readonly maxAttempts?: number;
}

export interface CleanupWorker {
  start(): Promise<void>;
  /** Something changed (an event stored, a job ended): look for due tasks. */
  kick(): void;
  /** Settles when the worker has looked and found nothing it can run now. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function createCleanupWorker(options: CleanupWorkerOptions): CleanupWorker {
  const { queue, clock, log } = options;
  const pollMs = options.pollMs ?? 5000;
  const backoffMs = options.backoffMs ?? 10_000;
  const maxAttempts = options.maxAttempts ?? 5;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let timer: Timer | undefined;

  const runOne = async (): Promise<boolean> => {
    const task = await queue.claimNext(clock.now());
    if (!task) return false;
    const taskLog = log.child({ cleanup: task.id, repo: task.repo, action: task.action.kind });
    try {
      const result = await runCleanup(task, options);
      await queue.finish(task.id, { state: 'done', result }, clock.now());
      taskLog.info(
        { worktrees: result.worktrees.length, attic: result.worktrees.flatMap((w) => (w.attic ? [w.attic] : [])) },
        'cleanup done',
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof CleanupBusyError) {
        await queue.finish(task.id, { state: 'retry', error: message, notBefore: clock.now() + 1000 }, clock.now());
        taskLog.info({ reason: message }, 'cleanup waits for a worktree in use');
      } else if (task.attempts < maxAttempts) {
        const notBefore = clock.now() + cappedBackoff(task.attempts, backoffMs, MAX_BACKOFF_MS);
        await queue.finish(task.id, { state: 'retry', error: message, notBefore }, clock.now());
        taskLog.warn({ error: message, retryAt: new Date(notBefore).toISOString() }, 'cleanup failed; will retry');
      } else {
        await queue.finish(task.id, { state: 'failed', error: message }, clock.now());
        taskLog.error({ error: message }, 'cleanup failed for good');
      }
    }
    return true;
  };

  const run = (): Promise<void> => {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        while (!stopped && (await runOne()));
      } while (again && !stopped);
    })()
      .catch((error: unknown) => log.error({ err: error }, 'cleanup worker failed; will look again'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const tick = () => {
    if (stopped) return;
    timer = clock.after(pollMs, () => {
      void run().finally(tick);
    });
  };

  return {
    async start() {
      const requeued = await queue.requeueInterrupted();
      if (requeued > 0) log.warn({ tasks: requeued }, 'cleanup was running when the service stopped; queued again');
      tick();
      await run();
    },
    kick() {
      if (!stopped) void run();
    },
    async idle() {
      do await run();
      while (running !== undefined);
    },
    async stop() {
      stopped = true;
      timer?.cancel();
      await running;
    },
  };
}

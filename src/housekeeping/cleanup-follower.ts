/**
 * Cleanup on every worker's disk (several workers). A cleanup task runs once, on the worker that
 * claims it: it closes the sessions in the shared database and removes the worktrees on its own
 * disk. The same branch may be checked out on other workers' disks too (each keeps its own cache
 * and worktrees), so every worker follows the queue: it reads the tasks after its cursor, oldest
 * first, and once a task has ended (done or failed) applies its disk part here — the ended PR's or
 * deleted branch's worktrees, a deleted repository's cache. A task still queued or running holds
 * the cursor, so none is skipped.
 *
 * The cursor lives in the data dir, because it describes this disk: a data dir without one starts
 * at the newest task (a fresh disk has nothing older to clean). Best effort by design: a worktree
 * in use, or whose key has a job again, is left alone (the sweeper's TTL takes it later), and the
 * removal keeps the workdir module's rule — unpushed work goes to the attic first.
 */
import { readFile } from 'node:fs/promises';
import type { AgentConfig } from '../config/types.js';
import { repoKey } from '../core/events.js';
import type { Logger } from '../lib/logger.js';
import { PRIVATE_FILE_MODE } from '../lib/private-files.js';
import { replaceFile } from '../lib/replace-file.js';
import type { Workdirs } from '../workdir/index.js';
import { worktreesEndedBy } from './cleanup-actions.js';
import type { CleanupQueue, CleanupTask } from './ports.js';

export interface CleanupFollowerOptions {
  readonly queue: Pick<CleanupQueue, 'after' | 'lastId' | 'keysBusy'>;
  readonly workdirs: Pick<Workdirs, 'list' | 'removeWorktree' | 'removeCache'>;
  readonly agents: readonly AgentConfig[];
  /** Where this disk's cursor is kept: `<dataDir>/cleanup-cursor`. */
  readonly cursorFile: string;
  readonly log: Logger;
}

export interface CleanupFollower {
  /** Applies here every ended task after the cursor; answers how many it went through. */
  catchUp(): Promise<number>;
}

const PAGE = 100;

export function createCleanupFollower(options: CleanupFollowerOptions): CleanupFollower {
  const { queue, workdirs, log } = options;

  const readCursor = async (): Promise<number | undefined> => {
    const text = await readFile(options.cursorFile, 'utf8').catch(() => undefined);
    const id = text === undefined ? Number.NaN : Number(text.trim());
    return Number.isSafeInteger(id) && id >= 0 ? id : undefined;
  };

  const writeCursor = (id: number) => replaceFile(options.cursorFile, `${id}\n`, PRIVATE_FILE_MODE);

  const applyHere = async (task: CleanupTask) => {
    const action = task.action;
    const taskLog = log.child({ cleanup: task.id, repo: task.repo, action: action.kind });
    if (action.kind === 'repository-deleted') {
      const removed = await workdirs.removeCache(task.repoRef);
      if (removed.ok)
        taskLog.info(
          { worktrees: removed.value.worktrees.length, removed: removed.value.removed },
          "a deleted repository's cache removed from this worker's disk",
        );
      else
        taskLog.warn(
          { reason: removed.error.message },
          "a deleted repository's cache left on this worker's disk for the sweeper",
        );
      return;
    }
    if (action.kind !== 'pull-closed' && action.kind !== 'branch-deleted') return;
    const local = (await workdirs.list()).filter((w) => repoKey(w.repo) === task.repo);
    for (const worktree of worktreesEndedBy(action, local)) {
      if (worktree.leased || (await queue.keysBusy(task.repo, task.issues, worktree.agent))) {
        taskLog.info({ worktree: worktree.path }, 'worktree in use again: left for the sweeper');
        continue;
      }
      const auth = options.agents.find((a) => a.name === worktree.agent);
      const removed = await workdirs.removeWorktree({ id: worktree.id }, auth ? { auth } : {});
      if (removed.ok)
        taskLog.info(
          { worktree: worktree.path, attic: removed.value.saved?.dir },
          "worktree removed from this worker's disk",
        );
      else
        taskLog.warn(
          { worktree: worktree.path, reason: removed.error.message },
          'worktree not removed: left for the sweeper',
        );
    }
  };

  return {
    async catchUp() {
      let cursor = await readCursor();
      if (cursor === undefined) {
        await writeCursor(await queue.lastId());
        return 0;
      }
      let through = 0;
      for (;;) {
        const tasks = await queue.after(cursor, PAGE);
        for (const task of tasks) {
          if (task.state === 'queued' || task.state === 'running') return through;
          await applyHere(task);
          cursor = task.id;
          await writeCursor(cursor);
          through++;
        }
        if (tasks.length < PAGE) return through;
      }
    },
  };
}

/**
 * Start-up clean-up of runs a dead process left behind: their records have no outcome and their
 * status comments still say "working". Each is finished as `interrupted` and its status comment
 * edited (`finaliseOrphaned`) as the agent's own forge user. Runs before the dispatcher re-queues
 * the interrupted jobs, so the retry's new status comment comes after the old one is closed.
 * Never throws: a forge that cannot be reached leaves the comment as it was, logged.
 */
import type { ForgeClient } from '../forge/client.js';
import type { RepoRef } from '../forge/events.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { RunRecord, RunRecords } from '../sessions/ports.js';
import { finaliseOrphaned } from './status/finalise-orphaned.js';

export const ORPHANED_ERROR = 'the service stopped during this run';
export const MOVED_ERROR = 'the worker running it stopped answering (its lease passed); the job moved to another worker';

export interface OrphanedRunsOptions {
  readonly runs: RunRecords;
  /** Each configured agent's forge client, by agent name. */
  readonly clients: ReadonlyMap<string, ForgeClient>;
  readonly clock: Clock;
  readonly log: Logger;
  /** Several workers share the store: an orphan's job moves to another worker, and its comment says so. */
  readonly moved?: boolean;
}

/** Answers how many runs were finished and how many of their status comments were edited. */
export async function finishOrphanedRuns(options: OrphanedRunsOptions): Promise<{ runs: number; comments: number }> {
  const orphans = await options.runs.unfinished();
  let comments = 0;
  for (const run of orphans) {
    await options.runs.interrupted(run.id, options.clock.now(), options.moved ? MOVED_ERROR : ORPHANED_ERROR);
    if (await finaliseComment(run, options)) comments += 1;
  }
  if (orphans.length > 0) options.log.warn({ runs: orphans.length, comments }, 'runs left unfinished by a stopped service were finished as interrupted');
  return { runs: orphans.length, comments };
}

async function finaliseComment(run: RunRecord, options: OrphanedRunsOptions): Promise<boolean> {
  if (run.statusCommentId === undefined) return false;
  const client = options.clients.get(run.key.agent);
  if (!client) {
    options.log.warn({ runId: run.id, agent: run.key.agent }, 'orphaned status comment left as it was: its agent is no longer configured');
    return false;
  }
  return finaliseOrphaned({ client, repo: repoOfKey(run.key.repo), commentId: run.statusCommentId, agent: run.key.agent, jobId: run.jobId, moved: options.moved, log: options.log });
}

/** A work key's repository is `host/owner/name`; the forge API needs `owner/name`. */
function repoOfKey(key: string): RepoRef {
  const [owner = '', name = ''] = key.split('/').slice(-2);
  return { host: key.split('/')[0] ?? '', owner, name, fullName: `${owner}/${name}`, cloneUrl: '', defaultBranch: '', private: false };
}

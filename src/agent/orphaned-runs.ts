/**
 * Start-up clean-up of runs a dead process left behind: their records have no outcome and their
 * status comments still say "working". Each is finished as `interrupted` and its status comment
 * edited (`finaliseOrphaned`) as the agent's own forge user. Runs before the dispatcher re-queues
 * the interrupted jobs, so the retry's new status comment comes after the old one is closed.
 * Never throws: a forge that cannot be reached leaves the comment as it was, logged.
 *
 * First, what each such run left running on this machine is ended (`endLeftovers`), so the retry
 * never shares its worktree with the run before it. A run whose processes are on another machine
 * is finished all the same, its processes left to a start of their own machine, which finds them
 * through `leftoversUnchecked`.
 */
import type { ForgeClient } from '../forge/client.js';
import type { RepoRef } from '../core/events.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { RunRecord, RunRecords } from '../sessions/ports.js';
import { endLeftovers } from './leftover-processes.js';
import { finaliseOrphaned } from './status/finalise-orphaned.js';

export const ORPHANED_ERROR = 'the service stopped during this run';
export const MOVED_ERROR =
  'the worker running it stopped answering (its lease passed); the job moved to another worker';

export interface OrphanedRunsOptions {
  readonly runs: RunRecords;
  /** Each configured agent's forge client, by agent name. */
  readonly clients: ReadonlyMap<string, ForgeClient>;
  readonly clock: Clock;
  readonly log: Logger;
  /** Several workers share the store: an orphan's job moves to another worker, and its comment says so. */
  readonly moved?: boolean;
}

/** Answers how many runs were finished, how many of their status comments were edited and how many of their processes ended. */
export async function finishOrphanedRuns(
  options: OrphanedRunsOptions,
): Promise<{ runs: number; comments: number; leftovers: number }> {
  const orphans = await options.runs.unfinished();
  let comments = 0;
  let leftovers = 0;
  for (const run of orphans) {
    leftovers += await endLeftoversOf(run, options);
    await options.runs.interrupted(run.id, options.clock.now(), options.moved ? MOVED_ERROR : ORPHANED_ERROR);
  }
  // The forge's part last, and all at once: a forge that hangs delays it by one timeout, not one per run.
  for (const edited of await Promise.all(orphans.map((run) => finaliseComment(run, options))))
    if (edited) comments += 1;
  // Finished by a worker on another machine, which could not end what they left here.
  for (const run of await options.runs.leftoversUnchecked()) leftovers += await endLeftoversOf(run, options);
  if (orphans.length > 0)
    options.log.warn(
      { runs: orphans.length, comments, leftovers },
      'runs left unfinished by a stopped service were finished as interrupted',
    );
  return { runs: orphans.length, comments, leftovers };
}

/** Ends what `run` left running here and says so on its record; 0 when its processes are elsewhere. */
async function endLeftoversOf(run: RunRecord, options: OrphanedRunsOptions): Promise<number> {
  if (run.processes === undefined) return 0;
  const ended = await endLeftovers(run.processes);
  if (ended === undefined) return 0;
  await options.runs.leftoversEnded(run.id, ended);
  if (ended > 0) options.log.warn({ runId: run.id, processes: ended }, 'ended processes a stopped run left running');
  return ended;
}

/** A run with no stored comment id (its POST was never answered) has its comment found by its marker. */
async function finaliseComment(run: RunRecord, options: OrphanedRunsOptions): Promise<boolean> {
  const client = options.clients.get(run.key.agent);
  if (!client) {
    options.log.warn(
      { runId: run.id, agent: run.key.agent },
      'orphaned status comment left as it was: its agent is no longer configured',
    );
    return false;
  }
  const target = { repo: repoOfKey(run.key.repo), issue: run.key.issue, commentId: run.statusCommentId };
  return finaliseOrphaned({
    client,
    ...target,
    agent: run.key.agent,
    jobId: run.jobId,
    moved: options.moved,
    log: options.log,
  });
}

/** A work key's repository is `host/owner/name`; the forge API needs `owner/name`. */
function repoOfKey(key: string): RepoRef {
  const [owner = '', name = ''] = key.split('/').slice(-2);
  return {
    host: key.split('/')[0] ?? '',
    owner,
    name,
    fullName: `${owner}/${name}`,
    cloneUrl: '',
    defaultBranch: '',
    private: false,
  };
}

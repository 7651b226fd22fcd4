/**
 * After a run of a role that pushes (the implementer): what it left in its worktree that is on no
 * remote. A worktree lives on one worker, so that work is lost if the key's next job runs on
 * another (docs/decisions.md §30); dev's skill says to push before finishing, and this is how the
 * runner notices when it did not.
 */
import { policyOf } from '../../config/roles.js';
import type { AgentConfig } from '../../config/types.js';
import type { Logger } from '../../lib/logger.js';
import type { UnpushedWork } from '../status/local-work.js';
import type { PreparedWorktree } from '../workspace-runner.js';

/** Undefined when everything was pushed, for an agent that does not push a branch, or when git could not tell. */
export async function unpushedWorkOf(
  agent: AgentConfig,
  workspace: PreparedWorktree,
  log: Logger,
): Promise<UnpushedWork | undefined> {
  if (!policyOf(agent).pushes) return undefined;
  let work: UnpushedWork;
  try {
    work = await workspace.localWork();
  } catch (error) {
    // The run's own outcome matters more than this check: it is reported without it.
    log.warn({ err: error, path: workspace.path }, 'could not check the worktree for work that was not pushed');
    return undefined;
  }
  if (!work.uncommitted && work.unpushedCommits === 0) return undefined;
  log.warn(
    {
      path: workspace.path,
      branch: workspace.branch,
      uncommitted: work.uncommitted,
      unpushedCommits: work.unpushedCommits,
    },
    'the run left work that was not pushed: it is lost if the job moves to another worker',
  );
  return work;
}

/**
 * `finaliseOrphaned`: at start-up, a run a dead process left "working" still shows so on the
 * forge. Its stored status comment is edited to say the service stopped during the run and that
 * it will be retried. Like every status update it never throws: the answer says whether it worked.
 */
import type { ForgeClient } from '../../forge/client.js';
import type { RepoRef } from '../../forge/events.js';
import type { Logger } from '../../lib/logger.js';
import { renderOrphaned } from './render-status.js';

export interface OrphanedStatus {
  readonly client: ForgeClient;
  readonly repo: RepoRef;
  readonly commentId: number;
  readonly agent: string;
  readonly jobId: number;
  /** Several workers: the job moves to another worker (said so), rather than waiting for a restart. */
  readonly moved?: boolean;
  readonly log: Logger;
}

export async function finaliseOrphaned(orphan: OrphanedStatus): Promise<boolean> {
  try {
    await orphan.client.editComment(orphan.repo.fullName, orphan.commentId, renderOrphaned({ agent: orphan.agent, jobId: orphan.jobId }, orphan.moved));
    return true;
  } catch (error) {
    orphan.log.warn({ err: error, jobId: orphan.jobId, commentId: orphan.commentId, repo: orphan.repo.fullName }, 'orphaned status comment not finalised');
    return false;
  }
}

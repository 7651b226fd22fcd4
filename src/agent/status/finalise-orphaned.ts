/**
 * `finaliseOrphaned`: at start-up, a run a dead process left "working" still shows so on the
 * forge. Its status comment is edited to say the service stopped during the run and that it will
 * be retried. A run that never learnt its comment's id (the process stopped before the POST was
 * answered) has it found by its marker; twins found that way are removed. Like every status
 * update it never throws: the answer says whether a comment was edited.
 */
import type { ForgeClient } from '../../forge/client.js';
import type { RepoRef } from '../../core/events.js';
import type { Logger } from '../../lib/logger.js';
import { findStatusComments, removeTwins, type StatusCommentQuery } from './find-status-comment.js';
import { renderOrphaned } from './render-status.js';

export interface OrphanedStatus {
  readonly client: ForgeClient;
  readonly repo: RepoRef;
  /** The issue or PR the run was on: where its comment is looked for when `commentId` is not known. */
  readonly issue: number;
  /** The run's stored status comment; undefined when the run never learnt it. */
  readonly commentId: number | undefined;
  readonly agent: string;
  /** The agent's forge login, to recognise its comment; asked of the forge when omitted. */
  readonly login?: string;
  readonly jobId: number;
  /** Several workers: the job moves to another worker (said so), rather than waiting for a restart. */
  readonly moved?: boolean;
  readonly log: Logger;
}

export async function finaliseOrphaned(orphan: OrphanedStatus): Promise<boolean> {
  const log = orphan.log.child({ jobId: orphan.jobId, repo: orphan.repo.fullName, issue: orphan.issue });
  const query: StatusCommentQuery = {
    client: orphan.client,
    repo: orphan.repo.fullName,
    issue: orphan.issue,
    jobId: orphan.jobId,
    login: orphan.login,
  };
  let commentId = orphan.commentId;
  try {
    if (commentId === undefined) commentId = (await findStatusComments(query))[0]?.id;
    if (commentId === undefined) return false;
    await orphan.client.editComment(
      orphan.repo.fullName,
      commentId,
      renderOrphaned({ agent: orphan.agent, jobId: orphan.jobId }, orphan.moved),
    );
  } catch (error) {
    log.warn({ err: error, commentId }, 'orphaned status comment not finalised');
    return false;
  }
  if (orphan.commentId === undefined) await leaveOne(query, commentId, log);
  return true;
}

async function leaveOne(query: StatusCommentQuery, keep: number, log: Logger): Promise<void> {
  try {
    const removed = await removeTwins(query, keep);
    if (removed.length > 0) log.info({ commentId: keep, removed }, 'orphaned status comment twins removed');
  } catch (error) {
    log.warn({ err: error, commentId: keep }, 'orphaned status comment twins not removed');
  }
}

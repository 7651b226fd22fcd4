/**
 * Finding a job's status comment by its marker, for when its id was never learnt: a POST whose
 * answer was lost (the service stopped after sending it, or the forge answered after the request
 * had timed out), a retried job, a run a dead process left behind. Gitea cannot be told a
 * comment's id before it exists, so the marker (`marker.ts`) and the author identify it — the
 * agent's own forge user, so a person quoting the marker is never mistaken for the agent.
 *
 * These calls throw like any forge call; the callers log and swallow, as for every status update.
 */
import type { ForgeClient, RepoName } from '../../forge/client.js';
import type { CommentRef } from '../../core/events.js';
import { statusJobOf } from '../../core/status-marker.js';

export interface StatusCommentQuery {
  readonly client: ForgeClient;
  readonly repo: RepoName;
  readonly issue: number;
  readonly jobId: number;
  /** The agent's forge login; asked of the forge (`whoami`) when omitted. */
  readonly login?: string;
}

/** This job's status comments on the issue by the agent's user, oldest first: usually one, or none. */
export async function findStatusComments(query: StatusCommentQuery): Promise<CommentRef[]> {
  const login = (query.login ?? (await query.client.whoami()).login).toLowerCase();
  const comments = await query.client.listIssueComments(query.repo, query.issue);
  return comments.filter(
    (comment) => statusJobOf(comment.body) === query.jobId && comment.author.login.toLowerCase() === login,
  );
}

/**
 * Deletes this job's status comments other than `keep`: twins left when a POST whose answer was
 * lost is made by the forge after the lookup that missed it. Answers the ids removed.
 */
export async function removeTwins(query: StatusCommentQuery, keep: number): Promise<number[]> {
  const twins = (await findStatusComments(query)).filter((comment) => comment.id !== keep);
  for (const twin of twins) await query.client.deleteComment(query.repo, twin.id);
  return twins.map((twin) => twin.id);
}

/**
 * Webhook payloads as Gitea's `modules/structs/hook.go` marshals them, and the coarse event name
 * each event type is sent under (`HookEventType.Event()`): the event-type header is the fine one.
 */
import type { CommitInfo } from './git-repos.js';
import { apiComment, apiIssue, apiPull, apiRepo, userJson, type Json, type RenderContext } from './render.js';
import type { CommentRecord, IssueRecord, RepoPermission, RepoRecord } from './state.js';

export type HookEventType =
  | 'issues'
  | 'issue_assign'
  | 'issue_label'
  | 'issue_comment'
  | 'pull_request'
  | 'pull_request_assign'
  | 'pull_request_label'
  | 'pull_request_comment'
  | 'pull_request_sync'
  | 'pull_request_review_request'
  | 'pull_request_review_approved'
  | 'pull_request_review_rejected'
  | 'pull_request_review_comment'
  | 'push'
  | 'create'
  | 'delete'
  | 'status'
  | 'workflow_run'
  | 'workflow_job'
  | 'action_run_success'
  | 'action_run_failure'
  | 'action_run_recover';

const COARSE_EVENT: Record<HookEventType, string> = {
  issues: 'issues',
  issue_assign: 'issues',
  issue_label: 'issues',
  issue_comment: 'issue_comment',
  pull_request_comment: 'issue_comment',
  pull_request: 'pull_request',
  pull_request_assign: 'pull_request',
  pull_request_label: 'pull_request',
  pull_request_sync: 'pull_request',
  pull_request_review_request: 'pull_request',
  pull_request_review_approved: 'pull_request_approved',
  pull_request_review_rejected: 'pull_request_rejected',
  pull_request_review_comment: 'pull_request_comment',
  push: 'push',
  create: 'create',
  delete: 'delete',
  status: 'status',
  workflow_run: 'workflow_run',
  workflow_job: 'workflow_job',
  // Forgejo's `HookEventType.Event()` names these three each for itself.
  action_run_success: 'action_run_success',
  action_run_failure: 'action_run_failure',
  action_run_recover: 'action_run_recover',
};

export const coarseEventOf = (eventType: HookEventType): string => COARSE_EVENT[eventType];

export function repoOf(ctx: RenderContext, name: string): RepoRecord {
  const repo = ctx.state.repo(name);
  if (repo === undefined) throw new Error(`forge double: no repository ${name}`);
  return repo;
}

export const repository = (ctx: RenderContext, name: string, viewer: string): Json => {
  const repo = repoOf(ctx, name);
  return apiRepo(ctx, repo, ctx.state.permission(repo, viewer));
};

type Changes = { readonly body?: { from: string }; readonly title?: { from: string } };

export function issuePayload(
  ctx: RenderContext,
  action: string,
  issue: IssueRecord,
  sender: string,
  changes?: Changes,
): Json {
  return {
    action,
    number: issue.number,
    ...(changes === undefined ? {} : { changes }),
    issue: apiIssue(ctx, issue),
    repository: repository(ctx, issue.repo, sender),
    sender: userJson(ctx, sender),
    commit_id: '',
  };
}

export function commentPayload(
  ctx: RenderContext,
  action: string,
  comment: CommentRecord,
  sender: string,
  changes?: Changes,
): Json {
  const issue = ctx.state.issue(comment.repo, comment.issueNumber);
  if (issue === undefined) throw new Error(`forge double: no issue for comment ${comment.id}`);
  return {
    action,
    issue: apiIssue(ctx, issue),
    ...(issue.pull === undefined ? {} : { pull_request: apiPull(ctx, issue) }),
    comment: apiComment(ctx, comment),
    ...(changes === undefined ? {} : { changes }),
    repository: repository(ctx, issue.repo, sender),
    sender: userJson(ctx, sender),
    is_pull: issue.pull !== undefined,
  };
}

export interface PullPayloadExtras {
  readonly changes?: Changes;
  readonly requestedReviewer?: string;
  readonly review?: { readonly type: HookEventType; readonly content: string };
}

export function pullPayload(
  ctx: RenderContext,
  action: string,
  issue: IssueRecord,
  sender: string,
  extras: PullPayloadExtras = {},
): Json {
  return {
    action,
    number: issue.number,
    ...(extras.changes === undefined ? {} : { changes: extras.changes }),
    pull_request: apiPull(ctx, issue),
    requested_reviewer: extras.requestedReviewer === undefined ? null : userJson(ctx, extras.requestedReviewer),
    repository: repository(ctx, issue.repo, sender),
    sender: userJson(ctx, sender),
    commit_id: '',
    review: extras.review ?? null,
  };
}

/** Gitea sends at most this many commits in a push payload (`[webhook] PAYLOAD_COMMIT_LIMIT`). */
const PAYLOAD_COMMIT_LIMIT = 15;

export function pushPayload(
  ctx: RenderContext,
  push: { repo: string; ref: string; before: string; after: string; commits: readonly CommitInfo[] },
  pusher: string,
): Json {
  const htmlUrl = `${ctx.baseUrl}/${push.repo}`;
  const user = userJson(ctx, pusher);
  const commit = (info: CommitInfo): Json => ({
    id: info.sha,
    message: info.message,
    url: `${htmlUrl}/commit/${info.sha}`,
    author: { name: info.author.name, email: info.author.email, username: '' },
    committer: { name: info.committer.name, email: info.committer.email, username: '' },
    verification: null,
    timestamp: info.timestamp,
    added: info.added,
    removed: info.removed,
    modified: info.modified,
  });
  const last = push.commits.at(-1);
  return {
    ref: push.ref,
    before: push.before,
    after: push.after,
    compare_url: `${htmlUrl}/compare/${push.before}...${push.after}`,
    commits: push.commits.slice(-PAYLOAD_COMMIT_LIMIT).map(commit),
    total_commits: push.commits.length,
    head_commit: last === undefined ? null : commit(last),
    repository: apiRepo(ctx, repoOf(ctx, push.repo), 'owner' satisfies RepoPermission),
    pusher: user,
    sender: user,
  };
}

export function refPayload(
  ctx: RenderContext,
  kind: 'create' | 'delete',
  ref: { repo: string; ref: string; refType: 'branch' | 'tag'; sha: string },
  sender: string,
): Json {
  const repo = apiRepo(ctx, repoOf(ctx, ref.repo), kind === 'create' ? 'none' : 'owner');
  if (kind === 'create')
    return { sha: ref.sha, ref: ref.ref, ref_type: ref.refType, repository: repo, sender: userJson(ctx, sender) };
  return { ref: ref.ref, ref_type: ref.refType, pusher_type: 'user', repository: repo, sender: userJson(ctx, sender) };
}

/**
 * REST responses → the project's own reference types, read the same way as webhook payloads
 * (`../webhook/refs.ts`), so an issue polled through the API and one delivered by a webhook are
 * the same value and get the same fingerprint.
 */
import type {
  ActionJob,
  ActionRun,
  CommitStatus,
  IssueDependency,
  Permission,
  PullReview,
  PullReviewState,
  ReviewComment,
  ReviewSummary,
  TimelineEntry,
} from '../client.js';
import type { CommentRef, PullRef, RepoRef } from '../../core/events.js';
import { toPull as toPullOfPayload } from '../webhook/refs.js';
import type {
  ActionWorkflowJobData,
  ActionWorkflowRunData,
  CommentData,
  CommitStatusData,
  DependencyIssueData,
  PullRequestData,
  PullReviewData,
  RepositoryData,
  ReviewCommentData,
  TimelineCommentData,
} from './schema.js';

export function toRepo(data: RepositoryData, host: string): RepoRef {
  return {
    host,
    owner: data.owner.login,
    name: data.name,
    fullName: data.full_name,
    cloneUrl: data.clone_url,
    defaultBranch: data.default_branch || 'main',
    private: data.private,
  };
}

/** Issues and PRs read exactly as from a webhook payload: the objects are the same in both. */
export { toIssue } from '../webhook/refs.js';

/** A PR as from a payload, with `mergeable` when the forge said (the REST object carries it). */
export function toPull(data: PullRequestData): PullRef {
  const pull = toPullOfPayload(data);
  return typeof data.mergeable === 'boolean' ? { ...pull, mergeable: data.mergeable } : pull;
}

export function toComment(data: CommentData): CommentRef {
  return {
    id: data.id,
    body: data.body,
    author: { login: data.user.login, id: data.user.id },
    createdAt: data.created_at,
    updatedAt: data.updated_at,
    htmlUrl: data.html_url,
  };
}

/**
 * The issue or PR a comment belongs to. A comment carries no number, only web URLs:
 * `…/issues/7` or `…/pulls/7` in `issue_url`/`pull_request_url`, and `…#issuecomment-12`.
 */
export function issueNumberOf(data: CommentData): number | undefined {
  for (const url of [data.issue_url, data.pull_request_url, data.html_url]) {
    const match = /\/(?:issues|pulls)\/(\d+)(?:[#?/]|$)/.exec(url ?? '');
    if (match?.[1] !== undefined) return Number.parseInt(match[1], 10);
  }
  return undefined;
}

/** Gitea answers `owner` for the owner and site admins; the port knows four levels. */
export function toPermission(value: string): Permission {
  if (value === 'owner' || value === 'admin') return 'admin';
  if (value === 'write' || value === 'read') return value;
  return 'none';
}

const REVIEW_STATES: Readonly<Record<string, PullReviewState>> = {
  APPROVED: 'approved',
  REQUEST_CHANGES: 'changes_requested',
  COMMENT: 'comment',
  REQUEST_REVIEW: 'requested',
  PENDING: 'pending',
};

/** A review whose state the service does not know (a future Gitea's) is kept as a comment. */
export function toReview(data: PullReviewData): PullReview {
  return {
    id: data.id,
    author: { login: data.user?.login ?? '', id: data.user?.id ?? 0 },
    state: REVIEW_STATES[data.state.toUpperCase()] ?? 'comment',
    body: data.body ?? '',
    submittedAt: data.submitted_at ?? '',
    commitId: data.commit_id ?? '',
  };
}

export function toReviewComment(data: ReviewCommentData): ReviewComment {
  return {
    id: data.id,
    author: { login: data.user.login, id: data.user.id },
    path: data.path,
    line: data.position ?? 0,
    body: data.body,
  };
}
/**
 * A timeline entry the poller reconciles, or `undefined` for the kinds it does not (comments are
 * listed repo-wide; titles, pushes, references… start no agent) and for entries missing what
 * their kind needs (a deleted user, a team review request).
 */
export function toTimelineEntry(data: TimelineCommentData): TimelineEntry | undefined {
  if (data.user === null || data.user === undefined) return undefined;
  const base = { at: data.created_at, actor: { login: data.user.login, id: data.user.id } };
  const removed = data.removed_assignee === true;
  switch (data.type) {
    case 'assignees':
      return data.assignee ? { ...base, kind: 'assignee', assignee: data.assignee.login, removed } : undefined;
    case 'review_request':
      return data.assignee ? { ...base, kind: 'review_request', reviewer: data.assignee.login, removed } : undefined;
    case 'label':
      return data.label ? { ...base, kind: 'label', label: data.label.name, removed: data.body !== '1' } : undefined;
    case 'review':
      return { ...base, kind: 'review', reviewId: data.review_id ?? 0 };
    default:
      return undefined;
  }
}

/** A review as the forge answered its creation: state as the forge says it. */
export function toReviewSummary(data: PullReviewData): ReviewSummary {
  return {
    id: data.id,
    state: data.state,
    body: data.body ?? '',
    author: data.user == null ? undefined : { login: data.user.login, id: data.user.id },
    submittedAt: data.submitted_at ?? undefined,
    htmlUrl: data.html_url ?? '',
  };
}

/** A dependency as the port names it; undefined for one the user may not see (an empty issue). */
export function toDependency(data: DependencyIssueData): IssueDependency | undefined {
  const repo = data.repository?.full_name;
  if (repo === undefined || repo === '' || data.number < 1) return undefined;
  if (data.state !== 'open' && data.state !== 'closed') return undefined;
  return { repo, number: data.number, state: data.state, isPull: data.pull_request != null };
}

const STATUS_STATES: readonly string[] = ['pending', 'success', 'error', 'failure', 'warning'];
const isStatusState = (value: string): value is CommitStatus['state'] => STATUS_STATES.includes(value);

/**
 * A commit status as the port names it. Gitea's `skipped` passes (as `events.ts`' `CheckState`
 * reads it), so it is a success here; a state the service does not know is pending — never a
 * failure it would wake an agent for, nor a success it would merge on.
 */
export function toCommitStatus(data: CommitStatusData): CommitStatus {
  const state = data.status === 'skipped' ? 'success' : isStatusState(data.status) ? data.status : 'pending';
  return {
    id: data.id,
    context: data.context ?? '',
    state,
    targetUrl: data.target_url ?? '',
    description: data.description ?? '',
    updatedAt: data.updated_at ?? '',
  };
}

export function toActionRun(data: ActionWorkflowRunData): ActionRun {
  return {
    id: data.id,
    headSha: data.head_sha ?? '',
    headBranch: data.head_branch ?? '',
    status: data.status ?? '',
    conclusion: data.conclusion ?? '',
    path: data.path ?? '',
    title: data.display_title ?? '',
    htmlUrl: data.html_url ?? '',
    attempt: data.run_attempt ?? 1,
  };
}

export function toActionJob(data: ActionWorkflowJobData): ActionJob {
  return {
    id: data.id,
    runId: data.run_id,
    name: data.name ?? '',
    headSha: data.head_sha ?? '',
    status: data.status ?? '',
    conclusion: data.conclusion ?? '',
    htmlUrl: data.html_url ?? '',
  };
}

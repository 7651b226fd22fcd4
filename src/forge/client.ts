/**
 * The forge's REST API as the service uses it: a port, implemented for Forgejo/Gitea by
 * `rest/gitea-client.ts` and in tests by talking to the forge double over real HTTP.
 *
 * Results are the project's own types (`events.ts`), so an issue or comment read through the
 * API and one read from a webhook payload are the same value — the reconciliation poller builds
 * the same events (and fingerprints) from either. Calls authenticate as one agent's forge user.
 */
import type { CommentRef, IssueRef, PullRef, RepoRef, ReviewState, UserRef } from '../core/events.js';

/** `owner/name`. */
export type RepoName = string;

export type Permission = 'admin' | 'write' | 'read' | 'none';

export interface CommentOnIssue {
  readonly issueNumber: number;
  readonly comment: CommentRef;
}

/** A PR's size: what the forge counts between the merge base and the head. */
export interface DiffStat {
  readonly changedFiles: number;
  readonly additions: number;
  readonly deletions: number;
}

/** `requested` is Gitea's placeholder for a pending review request; `pending` an unsubmitted draft. */
export type PullReviewState = 'approved' | 'changes_requested' | 'comment' | 'requested' | 'pending';

export interface PullReview {
  readonly id: number;
  readonly author: UserRef;
  readonly state: PullReviewState;
  readonly body: string;
  /** RFC 3339; empty for a review not submitted. */
  readonly submittedAt: string;
  /** The head the review was made on. */
  readonly commitId: string;
}

/** A comment on a line of a PR's diff, made with a review. */
export interface ReviewComment {
  readonly id: number;
  readonly author: UserRef;
  readonly path: string;
  /** The line in the new file; 0 when the comment is on a removed line or none. */
  readonly line: number;
  readonly body: string;
}

/**
 * One entry of an issue's or PR's timeline that the poller reads (Gitea's `TimelineComment`):
 * an assignee added or removed, a label added or removed, a review requested or withdrawn, a
 * review submitted. Other kinds (comments, title changes, pushes, …) are left out. `at` is the
 * entry's `created_at`, which the forge writes in the same moment as the issue's `updated_at`.
 */
export type TimelineEntry =
  | {
      readonly kind: 'assignee';
      readonly at: string;
      readonly actor: UserRef;
      readonly assignee: string;
      readonly removed: boolean;
    }
  | {
      readonly kind: 'label';
      readonly at: string;
      readonly actor: UserRef;
      readonly label: string;
      readonly removed: boolean;
    }
  | {
      readonly kind: 'review_request';
      readonly at: string;
      readonly actor: UserRef;
      readonly reviewer: string;
      readonly removed: boolean;
    }
  | { readonly kind: 'review'; readonly at: string; readonly actor: UserRef; readonly reviewId: number };

/** A submitted review of a PR (pending reviews and review requests are not listed). */
export interface SubmittedReview {
  readonly id: number;
  readonly state: ReviewState;
  readonly body: string;
  readonly author: UserRef;
  /** The head commit the review was made on. */
  readonly commitId: string;
  readonly submittedAt: string;
}

/** Something the forge created, with the web page a person would open. */
export interface WebLink {
  readonly htmlUrl: string;
}

export interface NewPull {
  /** A branch of the same repository. */
  readonly head: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
}

export interface NewIssue {
  readonly title: string;
  readonly body: string;
  /** Label names; names the repository does not have are not applied (see `IssueRef.labels`). */
  readonly labels: readonly string[];
}

/**
 * An issue another one waits for: a native dependency (Gitea's and Forgejo's "depends on", shown
 * as "blocked by"). It may be of another repository.
 */
export interface IssueDependency {
  /** `owner/name` as the forge spells it. */
  readonly repo: RepoName;
  readonly number: number;
  readonly state: 'open' | 'closed';
  readonly isPull: boolean;
}

/**
 * The forge keeps no native dependencies here: it answered 404 — a repository whose tracker has
 * dependencies turned off, a server older than the endpoints, or a user who may not write the
 * issue. The `## Dependencies` footers then carry the edges alone.
 */
export type DependenciesUnsupported = 'unsupported';

export type ReviewEventName = 'APPROVED' | 'REQUEST_CHANGES' | 'COMMENT';

export interface NewReview {
  readonly event: ReviewEventName;
  readonly body: string;
  /** Line comments; `line` is the line number in the new version of `path`. */
  readonly comments: ReadonlyArray<{ readonly path: string; readonly line: number; readonly body: string }>;
}

export interface ReviewSummary {
  /** 0 when the forge does not say. */
  readonly id: number;
  /** As the forge says it: `APPROVED`, `REQUEST_CHANGES`, `COMMENT`, `REQUEST_REVIEW`, `PENDING`. */
  readonly state: string;
  readonly body: string;
  readonly author: UserRef | undefined;
  readonly submittedAt: string | undefined;
  readonly htmlUrl: string;
}

/** A commit status as the forge lists it (`GET …/commits/{ref}/statuses`); the REST field is `status`. */
export interface CommitStatus {
  readonly id: number;
  readonly context: string;
  readonly state: 'pending' | 'success' | 'error' | 'failure' | 'warning';
  readonly targetUrl: string;
  readonly description: string;
  /** RFC 3339. */
  readonly updatedAt: string;
}

/** An Actions workflow run (`ActionWorkflowRun`). */
export interface ActionRun {
  readonly id: number;
  readonly headSha: string;
  readonly headBranch: string;
  /** `queued`, `in_progress`, `completed`, … as the forge says. */
  readonly status: string;
  /** `success`, `failure`, `cancelled`, `skipped`, …; '' while not completed. */
  readonly conclusion: string;
  /** The workflow's file (`.gitea/workflows/ci.yml`) as the forge names it. */
  readonly path: string;
  readonly title: string;
  readonly htmlUrl: string;
  readonly attempt: number;
}

/** An Actions job (`ActionWorkflowJob`). */
export interface ActionJob {
  readonly id: number;
  readonly runId: number;
  readonly name: string;
  readonly headSha: string;
  readonly status: string;
  readonly conclusion: string;
  readonly htmlUrl: string;
}

/** The end of a job's log: at most the bytes asked for, and how many came before them. */
export interface LogTail {
  readonly text: string;
  /** Bytes of the log left out before `text` (0: the whole log). */
  readonly omitted: number;
}

export type MergeStyle = 'merge' | 'rebase' | 'rebase-merge' | 'squash' | 'fast-forward-only';

export interface MergeRequest {
  readonly style: MergeStyle;
  /** The head the service judged: the forge refuses (409) when the PR's head is another one now. */
  readonly headSha: string;
  /** Let the forge wait for its own required checks (`merge_when_checks_succeed`) instead of refusing. */
  readonly whenChecksSucceed: boolean;
}

export interface ForgeClient {
  /** Who the token belongs to (`GET /user`). */
  whoami(): Promise<{ login: string; id: number }>;
  getRepository(repo: RepoName): Promise<RepoRef>;
  /** A user's permission on a repository; `none` when the user is not a collaborator. */
  getPermission(repo: RepoName, login: string): Promise<Permission>;
  getIssue(repo: RepoName, number: number): Promise<IssueRef>;
  getPull(repo: RepoName, number: number): Promise<PullRef>;
  /** Issues and PRs (open and closed) updated at or after `since` (RFC 3339), all pages. */
  listIssuesUpdatedSince(repo: RepoName, since: string): Promise<IssueRef[]>;
  /** Comments on any issue or PR of the repository updated at or after `since`, all pages. */
  listCommentsUpdatedSince(repo: RepoName, since: string): Promise<CommentOnIssue[]>;
  createComment(repo: RepoName, issueNumber: number, body: string): Promise<CommentRef>;
  /** The comments on one issue or PR, oldest first; with `since` (RFC 3339) only those updated at or after it. */
  listIssueComments(repo: RepoName, number: number, since?: string): Promise<CommentRef[]>;
  /** PRs in `state`, all pages. */
  listPulls(repo: RepoName, state: 'open' | 'closed' | 'all'): Promise<PullRef[]>;
  getPullDiffStat(repo: RepoName, number: number): Promise<DiffStat>;
  /** A PR's reviews (and review requests), oldest first, all pages. */
  listPullReviews(repo: RepoName, number: number): Promise<PullReview[]>;
  listReviewComments(repo: RepoName, number: number, reviewId: number): Promise<ReviewComment[]>;
  /** Timeline entries of an issue or PR updated at or after `since`, oldest first, all pages. */
  listTimelineSince(repo: RepoName, number: number, since: string): Promise<TimelineEntry[]>;
  /** Replaces a comment's body (the token's user must be its author or have write access). */
  editComment(repo: RepoName, commentId: number, body: string): Promise<CommentRef>;
  /** Removes a comment (its author, or a user with write access); one already gone counts as removed. */
  deleteComment(repo: RepoName, commentId: number): Promise<void>;
  /** The open PR from `head` into `base` (branches of this repository); undefined when there is none. */
  findOpenPull(repo: RepoName, base: string, head: string): Promise<(PullRef & WebLink) | undefined>;
  /** Fails with status 409 when an open PR for the same head and base exists (`findOpenPull` names it). */
  createPull(repo: RepoName, pull: NewPull): Promise<PullRef & WebLink>;
  requestReviewers(repo: RepoName, pullNumber: number, reviewers: readonly string[]): Promise<void>;
  submitReview(repo: RepoName, pullNumber: number, review: NewReview): Promise<ReviewSummary>;
  /** Adds labels by name; answers the labels the issue has afterwards (unknown names are ignored by the forge). */
  addLabels(repo: RepoName, issueNumber: number, names: readonly string[]): Promise<string[]>;
  /** Removes one label by name; `no-such-label` when the repository has no label of that name. */
  removeLabel(repo: RepoName, issueNumber: number, name: string): Promise<'removed' | 'no-such-label'>;
  createIssue(repo: RepoName, issue: NewIssue): Promise<IssueRef & WebLink>;
  /** Replaces an issue's body (`PATCH …/issues/{index}`); the forge announces a change as `issues` `edited`. */
  editIssueBody(repo: RepoName, number: number, body: string): Promise<IssueRef & WebLink>;
  /**
   * The issues `number` depends on (`GET …/issues/{index}/dependencies`), its own repository's
   * first, all pages; dependencies the user may not see are left out. A 404 is `unsupported`
   * (see `DependenciesUnsupported`) — and so is an issue that does not exist, which callers have
   * read first. The forge sends no webhook when dependencies change; both issues' `updated_at`
   * moves (each gets a timeline entry), so the poller sees them.
   */
  listDependencies(repo: RepoName, number: number): Promise<IssueDependency[] | DependenciesUnsupported>;
  /**
   * Makes `number` depend on `upstream`, an issue of the same repository. Idempotent: Gitea answers
   * an existing dependency with a 500, after which the list is read and an existing one counts
   * as added. A 404 is `unsupported`.
   */
  addDependency(repo: RepoName, number: number, upstream: number): Promise<'added' | DependenciesUnsupported>;
  /** Removes that dependency; idempotent as `addDependency` (Gitea answers a missing one with a 500). */
  removeDependency(repo: RepoName, number: number, upstream: number): Promise<'removed' | DependenciesUnsupported>;
  /** Retargets a PR onto another base branch (`PATCH …/pulls/{index}` with `base`). */
  editPullBase(repo: RepoName, number: number, base: string): Promise<PullRef>;
  /**
   * The paths a PR changes (`GET …/pulls/{index}/files`), all pages; a renamed file gives both its
   * old and its new path.
   */
  listPullFiles(repo: RepoName, number: number): Promise<string[]>;
  /** The statuses of a commit, newest first, all pages (several per context: the newest counts). */
  listCommitStatuses(repo: RepoName, sha: string): Promise<CommitStatus[]>;
  /** The Actions runs for a head commit (`GET …/actions/runs?head_sha=`), all pages. */
  listActionRuns(repo: RepoName, headSha: string): Promise<ActionRun[]>;
  /** The jobs of an Actions run (`GET …/actions/runs/{run}/jobs`), all pages. */
  listRunJobs(repo: RepoName, runId: number): Promise<ActionJob[]>;
  /**
   * The end of a job's log (`GET …/actions/jobs/{job_id}/logs`), at most `maxBytes` of it: the
   * response is read as it streams, keeping only its last `maxBytes`, so a huge log costs no more.
   */
  jobLogTail(repo: RepoName, jobId: number, maxBytes: number): Promise<LogTail>;
  /** Reruns the failed jobs of a run (`POST …/actions/runs/{run}/rerun-failed-jobs`). */
  rerunFailedJobs(repo: RepoName, runId: number): Promise<void>;
  /**
   * The status check contexts branch protection requires on `branch` (each may be a glob, as
   * Gitea matches them: `CI / *`); undefined when no rule requires named checks — no rule, status
   * checks off, or on with no contexts named — and when the token may not read protection (Gitea
   * lets only repository admins: 403) or the server keeps none (404). Every check on the head then
   * counts as required.
   */
  requiredChecks(repo: RepoName, branch: string): Promise<readonly string[] | undefined>;
  /**
   * Asks the forge to merge a PR (`POST …/pulls/{index}/merge`): `merged` when it did, `scheduled`
   * when it will once its checks pass (`whenChecksSucceed`; Gitea answers that 201, others 200 with
   * the PR still open, which the client reads back to tell). A refusal — branch protection,
   * approvals missing, not mergeable (405), the head moved (409) — is a `ForgeApiError`. Never
   * forces a merge past protection.
   */
  mergePull(repo: RepoName, number: number, request: MergeRequest): Promise<'merged' | 'scheduled'>;
}

/** A forge API call that failed; `status` is the HTTP status (0 when no response came). */
export class ForgeApiError extends Error {
  readonly code = 'FORGE_API';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`forge API ${method} ${path} failed with ${status}: ${body.slice(0, 200)}`);
    this.name = 'ForgeApiError';
  }

  /** Worth trying again later: no answer at all, a server error, or being told to slow down. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/**
 * The submitted reviews among a PR's reviews (`listPullReviews` also answers pending drafts and
 * review requests), each with an author and a submission time.
 */
export function submittedReviews(reviews: readonly PullReview[]): SubmittedReview[] {
  return reviews.flatMap((review) =>
    (review.state === 'approved' || review.state === 'changes_requested' || review.state === 'comment') &&
    review.author.login !== '' &&
    review.submittedAt !== ''
      ? [
          {
            id: review.id,
            state: review.state,
            body: review.body,
            author: review.author,
            commitId: review.commitId,
            submittedAt: review.submittedAt,
          },
        ]
      : [],
  );
}

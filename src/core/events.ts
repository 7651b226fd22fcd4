/**
 * The project's own event types: what happened on the forge, independent of which forge said it.
 *
 * Every webhook delivery (Forgejo, Gitea or GitHub) and every change the reconciliation poller
 * finds is turned into one `ForgeEvent`. Dispatch, workdirs and housekeeping read only these types,
 * never a raw payload. Each event carries a `fingerprint`: a string naming what the event *is*
 * (not which delivery carried it), so the same change arriving twice — a "Replay" in the forge UI,
 * an overlapping org hook, the poller — is recognised and acted on once.
 */

export type ForgeKind = 'forgejo' | 'gitea' | 'github';

export interface RepoRef {
  /** Host of the forge, lower-cased (`forge.example.com`, `github.com`). */
  readonly host: string;
  readonly owner: string;
  readonly name: string;
  /** `owner/name`. */
  readonly fullName: string;
  readonly cloneUrl: string;
  readonly defaultBranch: string;
  readonly private: boolean;
}

/** A repository as a work key names it: `host/owner/name`, lower-cased. */
export function repoKey(repo: Pick<RepoRef, 'host' | 'owner' | 'name'>): string {
  return `${repo.host}/${repo.owner}/${repo.name}`.toLowerCase();
}

export interface UserRef {
  readonly login: string;
  readonly id: number;
}

/** The service itself, as the actor of the events it makes up (a rebase request, a hand-out, failed checks). */
export const SERVICE_ACTOR: UserRef = { login: 'claude-hooks', id: 0 };

export interface IssueRef {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly author: UserRef;
  readonly state: 'open' | 'closed';
  readonly isPull: boolean;
  readonly labels: readonly string[];
  readonly assignees: readonly string[];
  /** RFC 3339, as the forge gave it. */
  readonly updatedAt: string;
  /** RFC 3339; lets the poller tell a newly opened issue from an old one that changed. */
  readonly createdAt?: string;
}

export interface PullRef {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly author: UserRef;
  readonly state: 'open' | 'closed';
  readonly merged: boolean;
  readonly headRef: string;
  readonly headSha: string;
  readonly baseRef: string;
  readonly labels: readonly string[];
  /** Logins the PR is assigned to (`{ on: assigned }` fires for PRs too). */
  readonly assignees: readonly string[];
  readonly requestedReviewers: readonly string[];
  readonly updatedAt: string;
  /**
   * Whether the forge can merge it onto its base now; undefined when the forge did not say (a
   * payload without the field, or a check still running on the forge's side).
   */
  readonly mergeable?: boolean | undefined;
}

export interface CommentRef {
  readonly id: number;
  readonly body: string;
  readonly author: UserRef;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly htmlUrl: string;
}

interface EventBase {
  readonly forge: ForgeKind;
  readonly repo: RepoRef;
  /** Who caused the event (the payload's `sender`). */
  readonly actor: UserRef;
  /** What the event is, for de-duplication across deliveries; see `fingerprint.ts`. */
  readonly fingerprint: string;
}

export type IssueAction =
  | 'opened'
  | 'edited'
  | 'closed'
  | 'reopened'
  | 'deleted'
  | 'assigned'
  | 'unassigned'
  | 'labelled'
  /**
   * Never from the forge: the story's milestone hands it to the implementer — every upstream story
   * is done, or (stacking on) one is still in review and `ready.base` is its branch to start from.
   * Stored like a polled event (docs/milestones.md).
   */
  | 'ready'
  /**
   * Never from the forge: someone put the plan label on the issue (the event's actor), and the
   * planner is to turn it into a milestone. Stored like a polled event (docs/milestones.md).
   */
  | 'plan';

export interface StoryReady {
  /** The tracking issue whose milestone the story is in. */
  readonly tracking: number;
  /** Stacked start: the upstream story's open pull request, whose head branch the story starts from and targets. */
  readonly base?: { readonly branch: string; readonly pull: number };
  /** The story's upstream issues, ascending: done (all but the stacked base's story). */
  readonly upstream?: readonly number[];
}

export interface IssueEvent extends EventBase {
  readonly type: 'issue';
  readonly action: IssueAction;
  readonly issue: IssueRef;
  /** For `assigned`/`unassigned`: the login concerned, when the payload names it. */
  readonly assignee?: string;
  /** For `ready`: the milestone, and the branch to start from when stacked. */
  readonly ready?: StoryReady;
  /** For `plan`: the label that asked for the plan. */
  readonly plan?: { readonly label: string };
}

export interface CommentEvent extends EventBase {
  readonly type: 'comment';
  readonly action: 'created' | 'edited';
  /** The issue or PR the comment is on (`issue.isPull` tells which). */
  readonly issue: IssueRef;
  /** Set when the comment is on a PR and the payload carries the PR. */
  readonly pull?: PullRef;
  readonly comment: CommentRef;
}

export type PullAction =
  | 'opened'
  | 'edited'
  | 'synchronized'
  | 'closed'
  | 'reopened'
  | 'review_requested'
  | 'review_request_removed'
  | 'assigned'
  | 'unassigned'
  | 'labelled'
  /**
   * Never from the forge: housekeeping retargeted this stacked PR because the PR it was based on
   * merged (`retargeted` says which), and its author is to rebase. Stored like a polled event.
   */
  | 'retargeted'
  /**
   * Never from the forge: required checks failed on the head of an agent's PR, and its author is
   * to fix them in the same session (`checks` says which, with each failing job's log tail).
   * Stored like a polled event (docs/until-merged.md).
   */
  | 'checks_failed'
  /**
   * Never from the forge: the agent's PR no longer merges onto its base, which moved; its author
   * is to rebase (`conflict` says onto what). Stored like a polled event (docs/until-merged.md).
   */
  | 'conflicted';

/** One failing Actions job of a failed check, as the service fetched it with its own credential. */
export interface FailedJob {
  readonly id: number;
  readonly run: number;
  readonly name: string;
  readonly url: string;
  /** The end of the job's log, trimmed to the configured size; untrusted text. */
  readonly logTail: string;
  /** Bytes left out before the tail (0: the whole log is the tail). */
  readonly omitted: number;
}

/** A required check that failed on the PR's head. */
export interface FailedCheck {
  readonly context: string;
  readonly targetUrl: string;
  readonly description: string;
  /** Its failing Actions jobs, when the check is an Actions workflow the service could read. */
  readonly jobs: readonly FailedJob[];
}

/** What a `checks_failed` event hands the PR's author. */
export interface ChecksFailed {
  /** The head the checks failed on. */
  readonly sha: string;
  /** Which fix attempt this is (1 for the first), of `cap`. */
  readonly attempt: number;
  readonly cap: number;
  readonly failed: readonly FailedCheck[];
  /** Checks that failed after the author was told of this head's failure: the same attempt, more of it. */
  readonly more?: boolean;
}

export interface PullEvent extends EventBase {
  readonly type: 'pull_request';
  readonly action: PullAction;
  readonly pull: PullRef;
  /** For `review_requested`/`review_request_removed`: whose review. */
  readonly requestedReviewer?: string;
  /** For `assigned`/`unassigned`: the login concerned, when the payload names it. */
  readonly assignee?: string;
  /** For `retargeted`: the branch the PR was based on, and the merged PR whose head it was. */
  readonly retargeted?: { readonly from: string; readonly mergedPull: number };
  /** For `checks_failed`: the failed checks of the head. */
  readonly checks?: ChecksFailed;
  /** For `conflicted`: the base branch and the base head the PR no longer merges onto. */
  readonly conflict?: { readonly base: string; readonly baseSha: string };
}

export type ReviewState = 'approved' | 'changes_requested' | 'comment';

export interface ReviewEvent extends EventBase {
  readonly type: 'review';
  readonly state: ReviewState;
  readonly pull: PullRef;
  readonly review: {
    /** 0 when the forge does not say (Gitea review payloads carry no id). */
    readonly id: number;
    readonly body: string;
    readonly author: UserRef;
  };
}

export interface RefDeletedEvent extends EventBase {
  readonly type: 'ref_deleted';
  readonly refType: 'branch' | 'tag';
  /** Short name: `issue-7-fix`, never `refs/heads/…`. */
  readonly ref: string;
}

export interface PushEvent extends EventBase {
  readonly type: 'push';
  /** Full ref as sent: `refs/heads/main`. */
  readonly ref: string;
  readonly before: string;
  readonly after: string;
  readonly commitCount: number;
}

/**
 * A check's result as the service reads it: a commit status's `error` and an Actions run or job
 * that failed, was cancelled or timed out are failures; `skipped` and `neutral` pass; anything not
 * finished is pending.
 */
export type CheckState = 'pending' | 'success' | 'failure';

/**
 * A check's result on a commit: a commit status (`status`), an Actions workflow run (`run`:
 * Gitea's `workflow_run`, Forgejo's `action_run_*`) or job (`job`: `workflow_job`).
 */
export interface CheckEvent extends EventBase {
  readonly type: 'check';
  readonly source: 'status' | 'run' | 'job';
  /** The commit the result is for. */
  readonly sha: string;
  /** The check's name: a status's context, a run's workflow, a job's name. Untrusted text. */
  readonly context: string;
  readonly state: CheckState;
  /** The page a person would open; '' when the forge gave none. Untrusted text. */
  readonly targetUrl: string;
  readonly description: string;
  /** The Actions run the result is from, when the forge said. */
  readonly runId?: number;
  /** The Actions job, for a job's result. */
  readonly jobId?: number;
  /** The branch the result names, when the payload does (a short name). */
  readonly branch?: string;
  /** When the forge recorded the result (RFC 3339); '' when not said. */
  readonly at: string;
}

export interface RepositoryEvent extends EventBase {
  readonly type: 'repository';
  readonly action: 'deleted';
}

export type ForgeEvent =
  | IssueEvent
  | CommentEvent
  | PullEvent
  | ReviewEvent
  | RefDeletedEvent
  | PushEvent
  | CheckEvent
  | RepositoryEvent;

export type ForgeEventType = ForgeEvent['type'];

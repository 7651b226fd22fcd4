/**
 * The forge double's memory of CI and merging: commit statuses, Actions runs and their jobs (each
 * with a log), reruns asked for, merges scheduled for when checks pass, and every merge asked for
 * through the API with what the double answered. Plain records only; `status-operations.ts`,
 * `actions-operations.ts` and `merge-operations.ts` change them and send the webhooks.
 */

/** A commit status's state as Gitea keeps it (`CommitStatusState`). */
export type StatusState = 'pending' | 'success' | 'error' | 'failure' | 'warning' | 'skipped';

export interface CommitStatusRecord {
  readonly id: number;
  readonly repo: string;
  readonly sha: string;
  readonly state: StatusState;
  readonly context: string;
  readonly description: string;
  readonly targetUrl: string;
  /** A user's login, or the Actions bot (`actionsUser`). */
  readonly creator: string;
  readonly createdAt: string;
}

/** Gitea's API vocabulary for a run or job: a status, and once completed a conclusion. */
export type RunStatus = 'queued' | 'in_progress' | 'completed';
export type Conclusion = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface ActionRunRecord {
  readonly id: number;
  readonly repo: string;
  /** The run's number in its repository (`run_number`, the web page's `/actions/runs/{index}`). */
  readonly index: number;
  /** The workflow's file name (`ci.yml`), Gitea's `WorkflowID`. */
  readonly workflowFile: string;
  /** The workflow's `name:` (`CI`), the first part of its jobs' status contexts. */
  readonly workflowName: string;
  readonly title: string;
  /** What triggered it: `push`, `pull_request`. */
  readonly event: string;
  readonly headSha: string;
  readonly headBranch: string;
  readonly actor: string;
  /** Whether its jobs post commit statuses on the head (as Gitea's do); tests may turn it off. */
  readonly postsStatuses: boolean;
  attempt: number;
  status: RunStatus;
  conclusion: Conclusion | '';
  readonly createdAt: string;
  startedAt: string;
  completedAt: string;
}

export interface ActionJobRecord {
  readonly id: number;
  readonly runId: number;
  readonly repo: string;
  /** The job's place in its run, from 0 (the web page's `/jobs/{index}`). */
  readonly index: number;
  readonly name: string;
  attempt: number;
  status: RunStatus;
  conclusion: Conclusion | '';
  log: string;
  readonly createdAt: string;
  startedAt: string;
  completedAt: string;
}

/** What a rerun of a failed job comes to; undefined leaves the job queued for the test to finish. */
export interface RerunOutcome {
  readonly conclusion: Conclusion;
  readonly log?: string;
}

export type RerunDecider = (run: ActionRunRecord, job: ActionJobRecord) => RerunOutcome | undefined;

export interface RerunRecord {
  readonly repo: string;
  readonly runId: number;
  readonly by: string;
  /** The jobs put back in the queue. */
  readonly jobIds: readonly number[];
  readonly at: string;
}

export type MergeStyle = 'merge' | 'rebase' | 'rebase-merge' | 'squash' | 'fast-forward-only' | 'manually-merged';

/** A merge that waits for its PR's checks (`merge_when_checks_succeed`), Gitea's `pull_auto_merge` row. */
export interface ScheduledMergeRecord {
  readonly repo: string;
  readonly number: number;
  readonly by: string;
  readonly style: MergeStyle;
  /** The head it was scheduled on; a new head cancels it. */
  readonly headSha: string;
  readonly createdAt: string;
}

/** A merge asked for through the API, and the answer. */
export interface MergeAttemptRecord {
  readonly repo: string;
  readonly number: number;
  readonly by: string;
  readonly style: string;
  readonly headCommitId: string;
  readonly whenChecksSucceed: boolean;
  /** Whether the caller sent `force_merge: true` (an admin's override; the double never honours it). */
  readonly forceMerge: boolean;
  readonly outcome: 'merged' | 'scheduled' | 'refused';
  readonly status: number;
  /** Why it was refused; '' otherwise. */
  readonly reason: string;
}

export interface CiState {
  readonly statuses: CommitStatusRecord[];
  readonly runs: ActionRunRecord[];
  readonly jobs: ActionJobRecord[];
  readonly reruns: RerunRecord[];
  readonly scheduledMerges: ScheduledMergeRecord[];
  readonly mergeAttempts: MergeAttemptRecord[];
  /** Decides how a rerun job ends; by default it fails again with its old log. */
  decideRerun: RerunDecider;
}

export const failAgain: RerunDecider = (_run, job) => ({ conclusion: 'failure', log: job.log });

export function createCiState(): CiState {
  return {
    statuses: [],
    runs: [],
    jobs: [],
    reruns: [],
    scheduledMerges: [],
    mergeAttempts: [],
    decideRerun: failAgain,
  };
}

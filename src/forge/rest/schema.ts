/**
 * The fields the REST client reads from Forgejo/Gitea responses, and nothing else. Gitea marshals
 * unset Go pointers and slices as `null` (`assignees`, `requested_reviewers`, `pull_request` on a
 * plain issue, `body` on old servers), so those accept `null` as well as absence.
 */
import { z } from 'zod';

const User = z.object({ id: z.number().int(), login: z.string() });
const Label = z.object({ name: z.string() });
const users = z.array(User).nullish();
const labels = z.array(Label).nullish();

export const CurrentUser = User;

export const Repository = z.object({
  name: z.string(),
  full_name: z.string(),
  owner: z.object({ login: z.string() }),
  clone_url: z.string(),
  default_branch: z.string(),
  private: z.boolean(),
});
export type RepositoryData = z.infer<typeof Repository>;

export const Issue = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  user: User,
  state: z.enum(['open', 'closed']),
  labels,
  assignee: User.nullish(),
  assignees: users,
  /** Non-null exactly when the issue is a pull request. */
  pull_request: z.object({}).nullish(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type IssueData = z.infer<typeof Issue>;

export const PullRequest = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  user: User,
  state: z.enum(['open', 'closed']),
  merged: z.boolean().nullish(),
  head: z.object({ ref: z.string(), sha: z.string() }),
  base: z.object({ ref: z.string() }),
  labels,
  assignee: User.nullish(),
  assignees: users,
  requested_reviewers: users,
  updated_at: z.string(),
  /** Whether the forge can merge it now; absent on old servers. */
  mergeable: z.boolean().nullish(),
});
export type PullRequestData = z.infer<typeof PullRequest>;

export const Comment = z.object({
  id: z.number().int(),
  body: z.string(),
  user: User,
  created_at: z.string(),
  updated_at: z.string(),
  html_url: z.string(),
  /** Web URLs of the issue or PR (one of them empty), despite the swagger's "API URL". */
  issue_url: z.string().nullish(),
  pull_request_url: z.string().nullish(),
});
export type CommentData = z.infer<typeof Comment>;

export const CollaboratorPermission = z.object({ permission: z.string() });

/** The size fields of a PR; `null` on a server that has not computed them. */
export const PullDiffStat = z.object({
  additions: z.number().int().nullish(),
  deletions: z.number().int().nullish(),
  changed_files: z.number().int().nullish(),
});

export const PullReview = z.object({
  id: z.number().int(),
  /** `null` for a review requested from a team. */
  user: User.nullish(),
  state: z.string(),
  body: z.string().nullish(),
  submitted_at: z.string().nullish(),
  commit_id: z.string().nullish(),
  html_url: z.string().nullish(),
});
export type PullReviewData = z.infer<typeof PullReview>;

export const ReviewComment = z.object({
  id: z.number().int(),
  user: User,
  path: z.string(),
  /** The line in the new file (`LineNum`); `original_position` the line in the old one. */
  position: z.number().int().nullish(),
  body: z.string(),
});
export type ReviewCommentData = z.infer<typeof ReviewComment>;
/**
 * One timeline entry (`GET /repos/{o}/{r}/issues/{n}/timeline`). `type` names the kind
 * (`assignees`, `label`, `review_request`, `review`, `comment`, …); a label entry's `body` is "1"
 * when the label was added and empty when removed; `removed_assignee` says the same for
 * assignees and review requests.
 */
export const TimelineComment = z.object({
  id: z.number().int(),
  type: z.string(),
  body: z.string().nullish(),
  user: User.nullish(),
  created_at: z.string(),
  assignee: User.nullish(),
  removed_assignee: z.boolean().nullish(),
  label: Label.nullish(),
  review_id: z.number().int().nullish(),
});
export type TimelineCommentData = z.infer<typeof TimelineComment>;

/** A created PR or issue: the same fields, plus the web page to link to. */
export const CreatedPull = PullRequest.extend({ html_url: z.string() });
export const CreatedIssue = Issue.extend({ html_url: z.string() });

export const RepoLabel = z.object({ id: z.number().int(), name: z.string() });

/**
 * One issue of a dependency list (`GET …/issues/{index}/dependencies`). It may be of another
 * repository; one the user may not see comes as an empty issue (number 0, no repository, state
 * ""), so nothing here is stricter than that.
 */
export const DependencyIssue = z.object({
  id: z.number().int(),
  number: z.number().int(),
  state: z.string(),
  pull_request: z.object({}).nullish(),
  repository: z.object({ full_name: z.string() }).nullish(),
});
export type DependencyIssueData = z.infer<typeof DependencyIssue>;

/** A commit status (`GET …/commits/{ref}/statuses`): its state is in `status`, not `state`. */
export const CommitStatus = z.object({
  id: z.number().int(),
  context: z.string().nullish(),
  status: z.string(),
  target_url: z.string().nullish(),
  description: z.string().nullish(),
  updated_at: z.string().nullish(),
});
export type CommitStatusData = z.infer<typeof CommitStatus>;

/** A file a PR changes (`ChangedFile`). */
export const ChangedFile = z.object({ filename: z.string(), previous_filename: z.string().nullish() });

export const ActionWorkflowRun = z.object({
  id: z.number().int(),
  head_sha: z.string().nullish(),
  head_branch: z.string().nullish(),
  status: z.string().nullish(),
  conclusion: z.string().nullish(),
  path: z.string().nullish(),
  display_title: z.string().nullish(),
  html_url: z.string().nullish(),
  run_attempt: z.number().int().nullish(),
});
export type ActionWorkflowRunData = z.infer<typeof ActionWorkflowRun>;

export const ActionWorkflowJob = z.object({
  id: z.number().int(),
  run_id: z.number().int(),
  name: z.string().nullish(),
  head_sha: z.string().nullish(),
  status: z.string().nullish(),
  conclusion: z.string().nullish(),
  html_url: z.string().nullish(),
});
export type ActionWorkflowJobData = z.infer<typeof ActionWorkflowJob>;

/** `ActionWorkflowRunsResponse`: a page of runs inside an object, with the total. */
export const WorkflowRunsPage = z.object({
  total_count: z.number().int().nullish(),
  workflow_runs: z.array(ActionWorkflowRun).nullish(),
});

/** `ActionWorkflowJobsResponse`. */
export const WorkflowJobsPage = z.object({
  total_count: z.number().int().nullish(),
  jobs: z.array(ActionWorkflowJob).nullish(),
});

/**
 * A branch protection rule: `rule_name` names a branch or a glob (`release/*`); old servers give
 * only `branch_name`. `priority` orders glob rules (lower first).
 */
export const BranchProtection = z.object({
  rule_name: z.string().nullish(),
  branch_name: z.string().nullish(),
  priority: z.number().int().nullish(),
  enable_status_check: z.boolean().nullish(),
  status_check_contexts: z.array(z.string()).nullish(),
});
export type BranchProtectionData = z.infer<typeof BranchProtection>;

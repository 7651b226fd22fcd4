/**
 * The webhook payloads as `normalise` reads them: only the fields it uses, extra fields ignored.
 *
 * Forgejo and Gitea copied GitHub's payload shapes, so most schemas serve all three forges; where
 * they differ (a Gitea review carries `{type, content}` and no id, GitHub's a full review) each
 * has its own. `nullish` marks what real payloads send as null or leave out: GitHub issue and PR
 * bodies, Gitea's `assignees` and `requested_reviewers`, the 2017–2018 Gitea payloads that have
 * no `assignees`, and trimmed Gitea fixtures whose PRs lack `merged` and `updated_at` and whose
 * repository lacks `private`.
 */
import { z } from 'zod';
import {
  hasNoUnsafeCharacter,
  ID_RULE,
  isOwnerName,
  isPositiveId,
  isRepoName,
  OWNER_RULE,
  refNameProblem,
  REPO_RULE,
} from './names.js';

/** Issue and PR numbers, comment and review ids (−5, 1.5 and 1e21 each made a worktree). */
const Id = z.number().refine(isPositiveId, { error: ID_RULE });
const LoginName = z.string().refine(hasNoUnsafeCharacter, { error: 'must not contain control or bidi characters' });
const RefName = z.string().superRefine((value, ctx) => {
  const problem = refNameProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `not a branch name git accepts: ${problem}` });
});

export const User = z.object({ login: LoginName, id: z.number() });

const Login = z.object({ login: LoginName });
const Label = z.object({ name: z.string() });
const State = z.enum(['open', 'closed']);

/**
 * `full_name`, `owner.login`, `name` and `clone_url` must agree, and the clone URL be on the
 * forge: `toRepo` checks that (docs/decisions.md §10), here only each field's own shape.
 */
export const Repository = z.object({
  name: z.string().refine(isRepoName, { error: REPO_RULE }),
  full_name: z.string(),
  owner: z.object({ login: z.string().refine(isOwnerName, { error: OWNER_RULE }) }),
  clone_url: z.string(),
  default_branch: RefName.nullish(),
  /** Absent from a trimmed Gitea fixture; `toRepo` then assumes private, the cautious reading. */
  private: z.boolean().nullish(),
});

export const Issue = z.object({
  number: Id,
  title: z.string(),
  body: z.string().nullish(),
  user: User,
  state: State,
  labels: z.array(Label).nullish(),
  assignees: z.array(Login).nullish(),
  /** Gitea before 1.5 names one assignee and no `assignees`. */
  assignee: Login.nullish(),
  /** Non-null when the issue is a PR (GitHub, and the 2018 Gitea comment payloads). */
  pull_request: z.looseObject({}).nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string(),
});

export const Pull = z.object({
  number: Id,
  title: z.string(),
  body: z.string().nullish(),
  user: User,
  state: State,
  merged: z.boolean().nullish(),
  head: z.object({ ref: RefName, sha: z.string() }),
  base: z.object({ ref: RefName }),
  labels: z.array(Label).nullish(),
  assignees: z.array(Login).nullish(),
  assignee: Login.nullish(),
  /** GitHub lists teams here too; they have no `login`. */
  requested_reviewers: z.array(z.object({ login: z.string().optional() })).nullish(),
  updated_at: z.string().nullish(),
});

export const Comment = z.object({
  id: Id,
  body: z.string(),
  user: User,
  created_at: z.string(),
  updated_at: z.string(),
  html_url: z.string(),
});

/** Read first, so an unhandled action is ignored before the rest of the payload is judged. */
export const ActionOnly = z.object({ action: z.string() });

export const IssuePayload = z.object({
  action: z.string(),
  issue: Issue,
  /** GitHub names the login (un)assigned; Gitea does not. */
  assignee: Login.nullish(),
  repository: Repository,
  sender: User,
});

export const CommentPayload = z.object({
  action: z.string(),
  issue: Issue,
  comment: Comment,
  /** Gitea sends the PR with a comment on one; GitHub and 2018 Gitea do not. */
  pull_request: Pull.nullish(),
  is_pull: z.boolean().nullish(),
  repository: Repository,
  sender: User,
});

export const PullPayload = z.object({
  action: z.string(),
  pull_request: Pull,
  /** GitHub names the login (un)assigned; Gitea does not. */
  assignee: Login.nullish(),
  requested_reviewer: Login.nullish(),
  requested_team: z.object({ slug: z.string() }).nullish(),
  repository: Repository,
  sender: User,
});

export const GiteaReviewPayload = z.object({
  action: z.string(),
  pull_request: Pull,
  /** `type` repeats the event type (`pull_request_review_approved`); `content` is the review text. */
  review: z.object({ type: z.string().nullish(), content: z.string().nullish() }),
  repository: Repository,
  sender: User,
});

export const GithubReviewPayload = z.object({
  action: z.string(),
  pull_request: Pull,
  review: z.object({ id: Id, body: z.string().nullish(), user: User, state: z.string() }),
  repository: Repository,
  sender: User,
});

export const DeletePayload = z.object({
  ref: RefName,
  ref_type: z.enum(['branch', 'tag']),
  repository: Repository,
  sender: User,
});

export const PushPayload = z.object({
  ref: RefName,
  before: z.string(),
  after: z.string(),
  commits: z.array(z.unknown()).nullish(),
  /** Gitea's count; its `commits` list is capped, GitHub's too (at 20) and GitHub sends no count. */
  total_commits: z.number().nullish(),
  repository: Repository,
  sender: User,
});

export const RepositoryPayload = z.object({
  action: z.string(),
  repository: Repository,
  sender: User,
});

/**
 * A check's result on a commit (`check-handlers.ts`). The commit is the one thing a result is
 * matched on, so it must be a commit id (SHA-1, or SHA-256 in a sha256 repository). Names and
 * times are checked by the handler on the field it picks; URLs are kept only when http(s).
 */
export const CommitSha = z
  .string()
  .regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i, { error: 'expected a commit id (40 or 64 hex digits)' });

/**
 * A check's name: shown in prompts and on the dashboard, so no control or bidi characters, and
 * short enough to read (GitHub caps a status's context at 255 characters too).
 */
export const CheckName = z
  .string()
  .max(255, { error: 'is longer than 255 characters' })
  .refine(hasNoUnsafeCharacter, { error: 'must not contain control or bidi characters' });

/** Gitea/Forgejo send `''` for a run on a tag or a deleted ref; `check-fields.ts` drops it. */
const CheckBranch = z
  .string()
  .superRefine((value, ctx) => {
    const problem = value === '' ? undefined : refNameProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `not a branch name git accepts: ${problem}` });
  })
  .nullish();
const Text = z.string().nullish();

/** Gitea adds `warning` and `skipped` to GitHub's four (Gitea `modules/commitstatus`). */
export const StatusPayload = z.object({
  sha: CommitSha,
  state: z.enum(['pending', 'success', 'error', 'failure', 'warning', 'skipped']),
  context: CheckName,
  target_url: Text,
  description: Text,
  created_at: Text,
  updated_at: Text,
  repository: Repository,
  sender: User,
});

/** GitHub's `workflow_run` and Gitea's `WorkflowRunPayload` (Gitea has no `name` or `updated_at`). */
export const WorkflowRunPayload = z.object({
  action: z.string(),
  workflow: z.object({ name: Text, path: Text }).nullish(),
  workflow_run: z.object({
    id: Id,
    name: Text,
    path: Text,
    display_title: Text,
    head_sha: CommitSha,
    head_branch: CheckBranch,
    status: z.string(),
    conclusion: Text,
    html_url: Text,
    run_attempt: z.number().nullish(),
    completed_at: Text,
    updated_at: Text,
    started_at: Text,
    run_started_at: Text,
  }),
  repository: Repository,
  sender: User,
});

export const WorkflowJobPayload = z.object({
  action: z.string(),
  workflow_job: z.object({
    id: Id,
    run_id: Id,
    name: z.string(),
    head_sha: CommitSha,
    head_branch: CheckBranch,
    status: z.string(),
    conclusion: Text,
    html_url: Text,
    run_attempt: z.number().nullish(),
    created_at: Text,
    started_at: Text,
    completed_at: Text,
  }),
  repository: Repository,
  sender: User,
});

/**
 * Forgejo's `action_run_failure`/`_success`/`_recover`. Its `run` is Forgejo's API `ActionRun`
 * (`commit_sha`, `prettyref`, `stopped`, `updated`); published samples spell it the GitHub way
 * (`head_sha`, `head_branch`, `updated_at`), so either is read — `check-handlers.ts` insists on one sha.
 */
export const ActionRunPayload = z.object({
  action: z.string(),
  run: z.object({
    id: Id,
    title: Text,
    workflow_id: Text,
    status: Text,
    html_url: Text,
    commit_sha: CommitSha.nullish(),
    head_sha: CommitSha.nullish(),
    prettyref: CheckBranch,
    head_branch: CheckBranch,
    stopped: Text,
    updated: Text,
    updated_at: Text,
    created: Text,
    created_at: Text,
  }),
  repository: Repository,
  sender: User,
});

export type RepositoryData = z.infer<typeof Repository>;
export type UserData = z.infer<typeof User>;
export type IssueData = z.infer<typeof Issue>;
export type PullData = z.infer<typeof Pull>;
export type CommentData = z.infer<typeof Comment>;

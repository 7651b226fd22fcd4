/**
 * CI records → the JSON Gitea puts in API responses and webhook payloads (`services/convert`
 * `ToCommitStatus`, `ToActionWorkflowRun`, `ToActionWorkflowJob`; `modules/structs/hook.go`
 * `CommitStatusPayload`, `WorkflowRunPayload`, `WorkflowJobPayload`), and Forgejo's `action_run`
 * payload. Times never set print as the Unix epoch, as Gitea's zero `TimeStamp` does.
 */
import type { ActionJobRecord, ActionRunRecord, CommitStatusRecord, StatusState } from './ci-state.js';
import type { CommitInfo } from './git-repos.js';
import { repository } from './payloads.js';
import { apiRepo, apiUser, userJson, type Json, type RenderContext } from './render.js';

const EPOCH = '1970-01-01T00:00:00Z';

/** Gitea's Actions bot (`user_model.NewActionsUser`, id -2): the creator of its jobs' statuses. */
export const actionsUser = (flavour: 'forgejo' | 'gitea'): string => `${flavour}-actions`;

export function userOrBot(ctx: RenderContext, login: string): Json {
  if (ctx.state.user(login) !== undefined || !login.endsWith('-actions')) return userJson(ctx, login);
  return apiUser(ctx, { id: -2, login, token: '', admin: false, createdAt: EPOCH });
}

const repoUrl = (ctx: RenderContext, repo: string): string => `${ctx.baseUrl}/api/v1/repos/${repo}`;

export function apiCommitStatus(ctx: RenderContext, status: CommitStatusRecord): Json {
  return {
    id: status.id,
    status: status.state,
    target_url: status.targetUrl,
    description: status.description,
    url: `${repoUrl(ctx, status.repo)}/statuses/${status.sha}`,
    context: status.context,
    creator: userOrBot(ctx, status.creator),
    created_at: status.createdAt,
    updated_at: status.createdAt,
  };
}

/** The newest status of each context, newest first (Gitea's `GetLatestCommitStatus`). */
export function latestPerContext(statuses: readonly CommitStatusRecord[]): CommitStatusRecord[] {
  const byContext = new Map<string, CommitStatusRecord>();
  for (const status of [...statuses].sort((a, b) => b.id - a.id))
    if (!byContext.has(status.context)) byContext.set(status.context, status);
  return [...byContext.values()];
}

/**
 * The combined state, as Gitea's `CalcCommitStatus`: the worst state by its priorities (error,
 * failure, warning, pending, success, skipped); no status at all is pending.
 */
export function combinedState(statuses: readonly CommitStatusRecord[]): StatusState {
  const order: readonly StatusState[] = ['error', 'failure', 'warning', 'pending', 'success', 'skipped'];
  if (statuses.length === 0) return 'pending';
  const states = statuses.map((status) => status.state);
  return order.find((state) => states.includes(state)) ?? 'pending';
}

export function apiCombinedStatus(ctx: RenderContext, repo: string, sha: string, all: CommitStatusRecord[]): Json {
  const latest = latestPerContext(all);
  const record = ctx.state.repo(repo);
  return {
    state: combinedState(latest),
    sha,
    total_count: latest.length,
    statuses: latest.map((status) => apiCommitStatus(ctx, status)),
    repository: record === undefined ? null : apiRepo(ctx, record, 'read'),
    commit_url: `${repoUrl(ctx, repo)}/git/commits/${sha}`,
    url: `${repoUrl(ctx, repo)}/commits/${sha}/status`,
  };
}

export const runHtmlUrl = (ctx: RenderContext, run: ActionRunRecord): string =>
  `${ctx.baseUrl}/${run.repo}/actions/runs/${run.index}`;

/** A job's page, relative as Gitea writes it into its status's `target_url`. */
export const jobPath = (run: ActionRunRecord, job: ActionJobRecord): string =>
  `/${run.repo}/actions/runs/${run.index}/jobs/${job.index}`;

export function apiRun(ctx: RenderContext, run: ActionRunRecord): Json {
  const record = ctx.state.repo(run.repo);
  return {
    id: run.id,
    url: `${repoUrl(ctx, run.repo)}/actions/runs/${run.id}`,
    html_url: runHtmlUrl(ctx, run),
    display_title: run.title,
    // Gitea: `<workflow id>@<ref>`, not the file's path in the repository.
    path: `${run.workflowFile}@refs/heads/${run.headBranch}`,
    event: run.event,
    run_attempt: run.attempt,
    run_number: run.index,
    repository_id: record?.id ?? 0,
    head_sha: run.headSha,
    head_branch: run.headBranch,
    status: run.status,
    conclusion: run.conclusion,
    actor: userJson(ctx, run.actor),
    trigger_actor: userJson(ctx, run.actor),
    repository: record === undefined ? null : apiRepo(ctx, record, 'none'),
    head_repository: record === undefined ? null : apiRepo(ctx, record, 'none'),
    started_at: run.startedAt || EPOCH,
    completed_at: run.completedAt || EPOCH,
  };
}

export function apiJob(ctx: RenderContext, run: ActionRunRecord, job: ActionJobRecord): Json {
  return {
    id: job.id,
    url: `${repoUrl(ctx, run.repo)}/actions/jobs/${job.id}`,
    html_url: `${ctx.baseUrl}${jobPath(run, job)}`,
    run_id: run.id,
    run_url: `${repoUrl(ctx, run.repo)}/actions/runs/${run.id}`,
    name: job.name,
    labels: ['ubuntu-latest'],
    run_attempt: job.attempt,
    head_sha: run.headSha,
    head_branch: run.headBranch,
    status: job.status,
    conclusion: job.conclusion,
    runner_id: 0,
    runner_name: '',
    steps: [],
    created_at: job.createdAt,
    started_at: job.startedAt || EPOCH,
    completed_at: job.completedAt || EPOCH,
  };
}

function payloadCommit(ctx: RenderContext, repo: string, commit: CommitInfo): Json {
  return {
    id: commit.sha,
    message: commit.message,
    url: `${ctx.baseUrl}/${repo}/commit/${commit.sha}`,
    author: { name: commit.author.name, email: commit.author.email, username: '' },
    committer: { name: commit.committer.name, email: commit.committer.email, username: '' },
    verification: null,
    timestamp: commit.timestamp,
    added: null,
    removed: null,
    modified: null,
  };
}

/** Gitea's `CommitStatusPayload`: the status's fields at the top, `state` (not `status`), and the commit. */
export function statusPayload(ctx: RenderContext, status: CommitStatusRecord, commit: CommitInfo): Json {
  return {
    commit: payloadCommit(ctx, status.repo, commit),
    context: status.context,
    created_at: status.createdAt,
    description: status.description,
    id: status.id,
    repository: repository(ctx, status.repo, status.creator),
    sender: userOrBot(ctx, status.creator),
    sha: status.sha,
    state: status.state,
    target_url: status.targetUrl,
    updated_at: status.createdAt,
  };
}

/** `requested`, `in_progress` or `completed`, with the workflow (`ActionWorkflow`) and the run. */
export function workflowRunPayload(ctx: RenderContext, action: string, run: ActionRunRecord): Json {
  const htmlUrl = `${ctx.baseUrl}/${run.repo}/actions?workflow=${run.workflowFile}`;
  return {
    action,
    workflow: {
      id: run.workflowFile,
      name: run.workflowName,
      path: `.gitea/workflows/${run.workflowFile}`,
      state: 'active',
      created_at: run.createdAt,
      updated_at: run.createdAt,
      url: `${repoUrl(ctx, run.repo)}/actions/workflows/${run.workflowFile}`,
      html_url: htmlUrl,
      badge_url: `${ctx.baseUrl}/${run.repo}/actions/workflows/${run.workflowFile}/badge.svg`,
      deleted_at: null,
    },
    workflow_run: apiRun(ctx, run),
    repository: repository(ctx, run.repo, run.actor),
    sender: userJson(ctx, run.actor),
  };
}

/** `queued`, `in_progress` or `completed`, with the job. */
export function workflowJobPayload(
  ctx: RenderContext,
  action: string,
  run: ActionRunRecord,
  job: ActionJobRecord,
): Json {
  return {
    action,
    workflow_job: apiJob(ctx, run, job),
    repository: repository(ctx, run.repo, run.actor),
    sender: userJson(ctx, run.actor),
  };
}

/** Forgejo's run status words (`actions_model.Status.String()`). */
const FORGEJO_STATUS: Readonly<Record<string, string>> = {
  success: 'success',
  failure: 'failure',
  cancelled: 'cancelled',
  skipped: 'skipped',
};

/**
 * Forgejo's `action_run_*` payload (`ActionPayload`): `success`, `failure` or `recover`, the run,
 * and its status before it ended. The run carries Forgejo's own field names (`commit_sha`,
 * `prettyref`, `trigger_event`, `index_in_repo`) and, for readers written against Gitea's names,
 * `head_sha`, `head_branch` and `event` as well.
 */
export function actionRunPayload(
  ctx: RenderContext,
  action: 'success' | 'failure' | 'recover',
  run: ActionRunRecord,
  priorStatus: string,
): Json {
  const record = ctx.state.repo(run.repo);
  return {
    action,
    run: {
      id: run.id,
      title: run.title,
      repository: record === undefined ? null : apiRepo(ctx, record, 'none'),
      workflow_id: run.workflowFile,
      index_in_repo: run.index,
      prettyref: run.headBranch,
      commit_sha: run.headSha,
      head_sha: run.headSha,
      head_branch: run.headBranch,
      is_ref_deleted: false,
      trigger_user: userJson(ctx, run.actor),
      trigger_event: run.event,
      event: run.event,
      status: FORGEJO_STATUS[run.conclusion] ?? 'running',
      created: run.createdAt,
      started: run.startedAt || EPOCH,
      stopped: run.completedAt || EPOCH,
      html_url: runHtmlUrl(ctx, run),
    },
    prior_status: priorStatus,
    repository: repository(ctx, run.repo, run.actor),
    sender: userJson(ctx, run.actor),
  };
}

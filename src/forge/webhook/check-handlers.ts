/**
 * Check payloads → `check` events: a commit status (`status`), an Actions workflow run
 * (`workflow_run`, Forgejo's `action_run_*`) or job (`workflow_job`). GitHub's shapes are the
 * original; Gitea copied their field names (Gitea `modules/structs/hook.go`, `WorkflowRunPayload`,
 * `WorkflowJobPayload`, `CommitStatusPayload`), Forgejo's run results are its own.
 *
 * Every step of a run or job is an event, `requested` and `in_progress` included: they are
 * pending results, which the consumer passes over. What a result means (`check-fields.ts`) is
 * decided here, once, so consumers read only a `CheckState`.
 */
import type { CheckEvent } from '../../core/events.js';
import { err } from '../../lib/result.js';
import { actionsState, checkName, givenTime, shortBranch, statusState, webUrl } from './check-fields.js';
import { drafted, type Drafted, type EventBase, eventBase, ignored, pickAction, type Handler } from './draft.js';
import { parsePayload } from './payload-problem.js';
import { ActionRunPayload, StatusPayload, WorkflowJobPayload, WorkflowRunPayload } from './schema.js';

/**
 * A check's own fields as read: the target URL still as the payload gave it (`webUrl` judges it
 * against the repository's forge), and a branch the payload does not name left out of the event.
 */
type CheckFields = Omit<CheckEvent, 'forge' | 'repo' | 'actor' | 'fingerprint' | 'type' | 'branch' | 'targetUrl'> & {
  readonly targetUrl: string | null | undefined;
  readonly branch?: string | undefined;
};

/** A commit status. No branch: GitHub's `branches` lists every branch whose head is the commit. */
export const statusHandler: Handler = (body, context) => {
  const payload = parsePayload(StatusPayload, body);
  if (!payload.ok) return err(payload.error);
  const base = eventBase(payload.value, context);
  if (!base.ok) return base;

  const status = payload.value;
  return draftedCheck(base.value, {
    source: 'status',
    sha: status.sha,
    context: status.context,
    state: statusState(status.state),
    targetUrl: status.target_url,
    description: status.description ?? '',
    at: givenTime(status.updated_at, status.created_at),
  });
};

const RUN_ACTIONS = { requested: 'requested', in_progress: 'in_progress', completed: 'completed' } as const;

/**
 * A workflow run. Its name is the workflow's; Gitea's `path` is `<file>@<ref>`, GitHub's the
 * file's path. GitHub keeps a rerun's id and moves its times, so `at` tells the attempts apart.
 */
export const workflowRunHandler: Handler = (body, context) => {
  const picked = pickAction(body, context, RUN_ACTIONS);
  if (!picked.ok) return picked;
  if ('ignored' in picked.value) return ignored(picked.value.ignored);

  const payload = parsePayload(WorkflowRunPayload, body);
  if (!payload.ok) return err(payload.error);
  const { workflow, workflow_run: run } = payload.value;
  const name = checkName([
    ['workflow.name', workflow?.name],
    ['workflow_run.name', run.name],
    ['workflow_run.path', run.path ?? workflow?.path],
    ['workflow_run.display_title', run.display_title],
  ]);
  if (!name.ok) return name;
  const base = eventBase(payload.value, context);
  if (!base.ok) return base;

  return draftedCheck(base.value, {
    source: 'run',
    sha: run.head_sha,
    context: name.value,
    state: actionsState(run.status, run.conclusion),
    targetUrl: run.html_url,
    description: outcomeOf(run.status, run.conclusion),
    runId: run.id,
    branch: shortBranch(run.head_branch),
    at: givenTime(run.completed_at, run.updated_at, run.started_at, run.run_started_at),
  });
};

/** Gitea's job actions are its statuses: `queued`, `waiting`, `in_progress`, `completed`. */
const JOB_ACTIONS = {
  queued: 'queued',
  waiting: 'waiting',
  in_progress: 'in_progress',
  completed: 'completed',
} as const;

export const workflowJobHandler: Handler = (body, context) => {
  const picked = pickAction(body, context, JOB_ACTIONS);
  if (!picked.ok) return picked;
  if ('ignored' in picked.value) return ignored(picked.value.ignored);

  const payload = parsePayload(WorkflowJobPayload, body);
  if (!payload.ok) return err(payload.error);
  const job = payload.value.workflow_job;
  const name = checkName([['workflow_job.name', job.name]]);
  if (!name.ok) return name;
  const base = eventBase(payload.value, context);
  if (!base.ok) return base;

  return draftedCheck(base.value, {
    source: 'job',
    sha: job.head_sha,
    context: name.value,
    state: actionsState(job.status, job.conclusion),
    targetUrl: job.html_url,
    description: outcomeOf(job.status, job.conclusion),
    runId: job.run_id,
    jobId: job.id,
    branch: shortBranch(job.head_branch),
    // A rerun job keeps its id on Gitea and starts again: its times tell the attempts apart.
    at: givenTime(job.completed_at, job.started_at, job.created_at),
  });
};

/** Forgejo tells only finished runs: `recover` is a success after a failure. */
const FORGEJO_RUN_ACTIONS = { failure: 'failure', success: 'success', recover: 'success' } as const;

export const forgejoActionRunHandler: Handler = (body, context) => {
  const picked = pickAction(body, context, FORGEJO_RUN_ACTIONS);
  if (!picked.ok) return picked;
  if ('ignored' in picked.value) return ignored(picked.value.ignored);

  const payload = parsePayload(ActionRunPayload, body);
  if (!payload.ok) return err(payload.error);
  const { run } = payload.value;
  const sha = run.commit_sha ?? run.head_sha;
  if (sha === null || sha === undefined)
    return err({ field: 'run.commit_sha', message: 'expected a commit id (40 or 64 hex digits), got undefined' });
  // The workflow's file name (`test.yml`): what Forgejo's own run list names a workflow by.
  const name = checkName([
    ['run.workflow_id', run.workflow_id],
    ['run.title', run.title],
  ]);
  if (!name.ok) return name;
  const base = eventBase(payload.value, context);
  if (!base.ok) return base;

  const state = picked.value.action;
  return draftedCheck(base.value, {
    source: 'run',
    sha,
    context: name.value,
    state,
    targetUrl: run.html_url,
    description: run.status ?? state,
    runId: run.id,
    branch: shortBranch(run.prettyref, run.head_branch),
    at: givenTime(run.stopped, run.updated, run.updated_at, run.created, run.created_at),
  });
};

/** What the forge said of a run or job, as its word: `failure`, `cancelled`, `in_progress`. */
function outcomeOf(status: string, conclusion: string | null | undefined): string {
  return status === 'completed' && conclusion ? conclusion : status;
}

/** Commit ids compare as the forge prints them in PRs: lower-case. */
function draftedCheck(base: EventBase, fields: CheckFields): Drafted {
  const { branch, ...rest } = fields;
  return drafted({
    ...base,
    type: 'check',
    ...rest,
    sha: fields.sha.toLowerCase(),
    targetUrl: webUrl(fields.targetUrl, base.repo.cloneUrl),
    ...(branch === undefined ? {} : { branch }),
  });
}

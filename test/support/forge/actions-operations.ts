/**
 * A small model of Forgejo/Gitea Actions: a run of one workflow on a commit, its jobs queued,
 * started and finished (each with a log), and a rerun of the failed ones. Every change is told
 * as the forge tells it: Gitea sends `workflow_run` (`requested`, `in_progress`, `completed`) and
 * `workflow_job` (`queued`, `in_progress`, `completed`); Forgejo sends `action_run_success` or
 * `action_run_failure` when a run ends, and `action_run_recover` too when the workflow's previous
 * run on the branch had failed. Like Gitea, each job also posts a commit status on the head,
 * `<workflow> / <job> (<event>)` pointing at the job's page, unless the run says not to.
 *
 * Tests drive it (`forge.actions`); there is no runner. A run's conclusion is its jobs': a
 * failure if one failed, cancelled if one was, else a success.
 */
import { actionRunPayload, jobPath, workflowJobPayload, workflowRunPayload } from './ci-render.js';
import type { ActionJobRecord, ActionRunRecord, Conclusion, RerunRecord, StatusState } from './ci-state.js';
import { actorLogin } from './issue-operations.js';
import { ForgeRefusal, repoFor, type OperationContext } from './operation-context.js';
import type { RepoRecord } from './state.js';
import { postActionsStatus } from './status-operations.js';

export interface JobSpec {
  readonly name: string;
  /** The job's log so far; what `finishJob` or a rerun says replaces it. */
  readonly log?: string;
  /** How the job ends when the run is played through (`runWorkflow`); a success when omitted. */
  readonly conclusion?: Conclusion;
}

export interface RunSpec {
  readonly sha: string;
  readonly branch: string;
  /** The workflow's name (`CI`); its file is the name lower-cased, `.yml`, unless `file` says. */
  readonly workflow?: string;
  readonly file?: string;
  /** `pull_request` unless said. */
  readonly event?: string;
  /** Who triggered it; the repository's owner when omitted. */
  readonly actor?: string;
  readonly title?: string;
  /** False: the jobs post no commit statuses (a test that wants only the Actions webhooks). */
  readonly statuses?: boolean;
  readonly jobs: readonly JobSpec[];
}

export interface JobOutcome {
  readonly conclusion: Conclusion;
  readonly log?: string;
}

export async function startRun(ctx: OperationContext, repoName: string, spec: RunSpec): Promise<ActionRunRecord> {
  const repo = repoOf(ctx, repoName);
  const now = ctx.state.now();
  const workflow = spec.workflow ?? 'CI';
  const run: ActionRunRecord = {
    id: ctx.state.nextId('run'),
    repo: repo.fullName,
    index: ctx.state.ci.runs.filter((r) => r.repo === repo.fullName).length + 1,
    workflowFile: spec.file ?? `${workflow.toLowerCase().replace(/[^a-z0-9_-]+/g, '-')}.yml`,
    workflowName: workflow,
    title: spec.title ?? `${workflow} on ${spec.branch}`,
    event: spec.event ?? 'pull_request',
    headSha: spec.sha,
    headBranch: spec.branch,
    actor: actorLogin(ctx, spec.actor ?? repo.owner),
    postsStatuses: spec.statuses !== false,
    attempt: 1,
    status: 'queued',
    conclusion: '',
    createdAt: now,
    startedAt: '',
    completedAt: '',
  };
  ctx.state.ci.runs.push(run);
  const jobs = spec.jobs.map(
    (job, index): ActionJobRecord => ({
      id: ctx.state.nextId('job'),
      runId: run.id,
      repo: repo.fullName,
      index,
      name: job.name,
      attempt: 1,
      status: 'queued',
      conclusion: '',
      log: job.log ?? '',
      createdAt: now,
      startedAt: '',
      completedAt: '',
    }),
  );
  ctx.state.ci.jobs.push(...jobs);
  if (ctx.flavour === 'gitea') ctx.hooks.emit('workflow_run', workflowRunPayload(ctx.render, 'requested', run));
  for (const job of jobs) await jobChanged(ctx, repo, run, job);
  return run;
}

export async function startJob(ctx: OperationContext, repoName: string, jobId: number): Promise<ActionJobRecord> {
  const { repo, run, job } = jobOf(ctx, repoName, jobId);
  if (job.status !== 'queued') throw new Error(`forge double: job ${jobId} is ${job.status}, not queued`);
  Object.assign(job, { status: 'in_progress', startedAt: ctx.state.now() });
  if (run.status === 'queued') {
    Object.assign(run, { status: 'in_progress', startedAt: run.startedAt || job.startedAt });
    if (ctx.flavour === 'gitea') ctx.hooks.emit('workflow_run', workflowRunPayload(ctx.render, 'in_progress', run));
  }
  await jobChanged(ctx, repo, run, job);
  return job;
}

/** Ends a job (starting it first when queued); the run ends with its last job. */
export async function finishJob(
  ctx: OperationContext,
  repoName: string,
  jobId: number,
  outcome: JobOutcome,
): Promise<ActionJobRecord> {
  const { repo, run, job } = jobOf(ctx, repoName, jobId);
  if (job.status === 'queued') await startJob(ctx, repoName, jobId);
  if (job.status === 'completed') throw new Error(`forge double: job ${jobId} has completed already`);
  Object.assign(job, {
    status: 'completed',
    conclusion: outcome.conclusion,
    log: outcome.log ?? job.log,
    completedAt: ctx.state.now(),
  });
  await jobChanged(ctx, repo, run, job);
  if (jobsOf(ctx, run).every((j) => j.status === 'completed')) runEnded(ctx, run);
  return job;
}

/** Starts a run and plays each job to the conclusion its spec names. */
export async function runWorkflow(ctx: OperationContext, repoName: string, spec: RunSpec): Promise<ActionRunRecord> {
  const run = await startRun(ctx, repoName, spec);
  for (const [index, job] of jobsOf(ctx, run).entries()) {
    const wanted = spec.jobs[index];
    await finishJob(ctx, repoName, job.id, { conclusion: wanted?.conclusion ?? 'success', log: wanted?.log });
  }
  return run;
}

/**
 * `POST …/actions/runs/{run}/rerun-failed-jobs`: the failed (and cancelled) jobs go back to the
 * queue in a new attempt, then each ends as the test's `onRerun` decides (by default, failing
 * again). A run with nothing failed is a 400, as Gitea refuses it.
 */
export async function rerunFailedJobs(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  runId: number,
): Promise<RerunRecord> {
  const repo = repoFor(ctx, actor, repoName, 'write');
  const run = runOf(ctx, repo, runId);
  if (run.status !== 'completed') throw new ForgeRefusal('bad-request', `run ${runId} has not completed`);
  const failed = jobsOf(ctx, run).filter((job) => job.conclusion === 'failure' || job.conclusion === 'cancelled');
  if (failed.length === 0) throw new ForgeRefusal('bad-request', `run ${runId} has no failed jobs`);
  const rerun: RerunRecord = {
    repo: repo.fullName,
    runId,
    by: actorLogin(ctx, actor),
    jobIds: failed.map((job) => job.id),
    at: ctx.state.now(),
  };
  ctx.state.ci.reruns.push(rerun);
  Object.assign(run, { attempt: run.attempt + 1, status: 'queued', conclusion: '', completedAt: '' });
  if (ctx.flavour === 'gitea') ctx.hooks.emit('workflow_run', workflowRunPayload(ctx.render, 'requested', run));
  for (const job of failed) {
    Object.assign(job, { attempt: job.attempt + 1, status: 'queued', conclusion: '', startedAt: '', completedAt: '' });
    await jobChanged(ctx, repo, run, job);
  }
  for (const job of failed) {
    const outcome = ctx.state.ci.decideRerun(run, job);
    if (outcome !== undefined) await finishJob(ctx, repo.fullName, job.id, outcome);
  }
  return rerun;
}

/** A job's `workflow_job` webhook (Gitea) and its commit status, after it changed. */
async function jobChanged(
  ctx: OperationContext,
  repo: RepoRecord,
  run: ActionRunRecord,
  job: ActionJobRecord,
): Promise<void> {
  const action = job.status === 'queued' ? 'queued' : job.status;
  if (ctx.flavour === 'gitea') ctx.hooks.emit('workflow_job', workflowJobPayload(ctx.render, action, run, job));
  if (!run.postsStatuses) return;
  await postActionsStatus(ctx, repo, run.headSha, {
    state: statusStateOf(job),
    context: `${run.workflowName} / ${job.name} (${run.event})`,
    description: descriptionOf(job),
    targetUrl: jobPath(run, job),
  });
}

function runEnded(ctx: OperationContext, run: ActionRunRecord): void {
  const conclusions = jobsOf(ctx, run).map((job) => job.conclusion);
  const conclusion: Conclusion = conclusions.includes('failure')
    ? 'failure'
    : conclusions.includes('cancelled')
      ? 'cancelled'
      : 'success';
  const previous = previousRun(ctx, run);
  Object.assign(run, { status: 'completed', conclusion, completedAt: ctx.state.now() });
  if (ctx.flavour === 'gitea') {
    ctx.hooks.emit('workflow_run', workflowRunPayload(ctx.render, 'completed', run));
    return;
  }
  if (conclusion !== 'success') {
    ctx.hooks.emit('action_run_failure', actionRunPayload(ctx.render, 'failure', run, 'running'));
    return;
  }
  ctx.hooks.emit('action_run_success', actionRunPayload(ctx.render, 'success', run, 'running'));
  if (previous !== undefined && previous.conclusion !== 'success')
    ctx.hooks.emit('action_run_recover', actionRunPayload(ctx.render, 'recover', run, 'running'));
}

/** The same workflow's last completed run on the same branch before this one (or this one's last attempt). */
function previousRun(ctx: OperationContext, run: ActionRunRecord): { conclusion: string } | undefined {
  // A rerun follows its own failed attempt.
  if (run.attempt > 1) return { conclusion: 'failure' };
  return ctx.state.ci.runs
    .filter(
      (r) =>
        r.repo === run.repo &&
        r.id < run.id &&
        r.workflowFile === run.workflowFile &&
        r.headBranch === run.headBranch &&
        r.status === 'completed',
    )
    .at(-1);
}

/** Gitea's `toCommitStatus`: a cancelled job is a failure, a running one pending. */
function statusStateOf(job: ActionJobRecord): StatusState {
  if (job.status !== 'completed') return 'pending';
  if (job.conclusion === 'success') return 'success';
  if (job.conclusion === 'skipped') return 'skipped';
  return 'failure';
}

const ENDED: Readonly<Record<Conclusion, string>> = {
  success: 'Successful',
  failure: 'Failing',
  cancelled: 'Has been cancelled',
  skipped: 'Has been skipped',
};

function descriptionOf(job: ActionJobRecord): string {
  if (job.status === 'queued') return 'Waiting to run';
  if (job.status === 'in_progress' || job.conclusion === '') return 'Has started running';
  return ENDED[job.conclusion];
}

function repoOf(ctx: OperationContext, name: string): RepoRecord {
  const repo = ctx.state.repo(name);
  if (repo === undefined) throw new Error(`forge double: no repository ${name}`);
  return repo;
}

export function runOf(ctx: OperationContext, repo: RepoRecord, runId: number): ActionRunRecord {
  const run = ctx.state.ci.runs.find((r) => r.repo === repo.fullName && r.id === runId);
  if (run === undefined) throw new ForgeRefusal('not-found', `run ${runId} not found`);
  return run;
}

export function jobsOf(ctx: OperationContext, run: ActionRunRecord): ActionJobRecord[] {
  return ctx.state.ci.jobs.filter((job) => job.runId === run.id);
}

function jobOf(
  ctx: OperationContext,
  repoName: string,
  jobId: number,
): { repo: RepoRecord; run: ActionRunRecord; job: ActionJobRecord } {
  const repo = repoOf(ctx, repoName);
  const job = ctx.state.ci.jobs.find((j) => j.repo === repo.fullName && j.id === jobId);
  if (job === undefined) throw new Error(`forge double: no job ${jobId} in ${repo.fullName}`);
  return { repo, run: runOf(ctx, repo, job.runId), job };
}

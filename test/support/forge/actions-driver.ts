/**
 * How a test drives the double's Actions (`forge.actions`): start a run on a commit, start and
 * finish its jobs (or play a whole run through at once), decide how reruns end, and read what
 * happened. Each step sends the webhooks and commit statuses the forge would
 * (`actions-operations.ts`).
 *
 *     const run = await forge.actions.runWorkflow('acme/app', {
 *       sha, branch: 'issue-1-fix', jobs: [{ name: 'test', conclusion: 'failure', log: 'FAIL x.test.ts' }],
 *     });
 *     forge.actions.onRerun(() => ({ conclusion: 'success', log: 'ok' }));
 */
import {
  finishJob,
  jobsOf,
  runWorkflow,
  startJob,
  startRun,
  type JobOutcome,
  type RunSpec,
} from './actions-operations.js';
import {
  failAgain,
  type ActionJobRecord,
  type ActionRunRecord,
  type RerunDecider,
  type RerunRecord,
} from './ci-state.js';
import type { OperationContext } from './operation-context.js';

export type { JobOutcome, JobSpec, RunSpec } from './actions-operations.js';
export type { ActionJobRecord, ActionRunRecord, RerunDecider, RerunOutcome, RerunRecord } from './ci-state.js';

export interface ForgeActions {
  /** A run with its jobs queued (Gitea: `workflow_run` requested, `workflow_job` queued, pending statuses). */
  startRun(repo: string, spec: RunSpec): Promise<ActionRunRecord>;
  startJob(repo: string, jobId: number): Promise<ActionJobRecord>;
  /** Ends a job (starting it when queued); the run completes with its last job. */
  finishJob(repo: string, jobId: number, outcome: JobOutcome): Promise<ActionJobRecord>;
  /** `startRun`, then each job finished with its spec's conclusion (a success when omitted) and log. */
  runWorkflow(repo: string, spec: RunSpec): Promise<ActionRunRecord>;
  runs(repo: string): readonly ActionRunRecord[];
  /** A run's jobs, in the order of its spec. */
  jobs(repo: string, runId: number): readonly ActionJobRecord[];
  /** How each job of a rerun ends; undefined leaves it queued. Until set, reruns fail again. */
  onRerun(decide: RerunDecider | undefined): void;
  /** Every `rerun-failed-jobs` asked for, oldest first. */
  reruns(repo: string): readonly RerunRecord[];
}

export function createActionsDriver(ctx: OperationContext): ForgeActions {
  const ci = ctx.state.ci;
  const inRepo = (repo: string) => (record: { repo: string }) => record.repo.toLowerCase() === repo.toLowerCase();
  return {
    startRun: (repo, spec) => startRun(ctx, repo, spec),
    startJob: (repo, jobId) => startJob(ctx, repo, jobId),
    finishJob: (repo, jobId, outcome) => finishJob(ctx, repo, jobId, outcome),
    runWorkflow: (repo, spec) => runWorkflow(ctx, repo, spec),
    runs: (repo) => ci.runs.filter(inRepo(repo)),
    jobs(repo, runId) {
      const run = ci.runs.find((r) => inRepo(repo)(r) && r.id === runId);
      return run === undefined ? [] : jobsOf(ctx, run);
    },
    onRerun(decide) {
      ci.decideRerun = decide ?? failAgain;
    },
    reruns: (repo) => ci.reruns.filter(inRepo(repo)),
  };
}

/**
 * REST routes for CI: commit statuses (post one, list a commit's, its combined state) and
 * Actions (runs of a repository filtered by head commit, one run, its jobs, a job's log as plain
 * text, a rerun of the failed jobs). Reading needs read access, posting a status or rerunning
 * write, as in Gitea. Run and job lists come wrapped (`{total_count, workflow_runs}`), paged.
 */
import { rerunFailedJobs, jobsOf, runOf } from './actions-operations.js';
import { apiCombinedStatus, apiCommitStatus, apiJob, apiRun } from './ci-render.js';
import { resolveRef } from './git-repos.js';
import { ForgeRefusal, repoFor, type OperationContext } from './operation-context.js';
import { ok, paginate, route, stringField, type ApiRequest, type Route } from './rest-router.js';
import type { RepoRecord } from './state.js';
import { postStatus, statusesOf } from './status-operations.js';

const repoName = (params: Readonly<Record<string, string>>): string => `${params.owner}/${params.repo}`;

function idParam(params: Readonly<Record<string, string>>, name: string): number {
  const value = Number.parseInt(params[name] ?? '', 10);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new ForgeRefusal('bad-request', `${name} must be a positive number`);
  return value;
}

export function ciRoutes(ctx: OperationContext): Route[] {
  const r = ctx.render;
  const reader = (req: ApiRequest, params: Readonly<Record<string, string>>): RepoRecord =>
    repoFor(ctx, req.user.login, repoName(params), 'read');

  /** A branch, tag or commit named in the path, as a commit. */
  async function shaOf(repo: RepoRecord, ref: string): Promise<string> {
    const sha = (await resolveRef(repo.gitDir, `refs/heads/${ref}`)) ?? (await resolveRef(repo.gitDir, ref));
    if (sha === undefined) throw new ForgeRefusal('not-found', `ref ${ref} not found`);
    return sha;
  }

  async function listStatuses(req: ApiRequest, params: Readonly<Record<string, string>>, ref: string) {
    const repo = reader(req, params);
    const { page, headers } = paginate(statusesOf(ctx, repo, await shaOf(repo, ref)), req);
    return ok(
      page.map((status) => apiCommitStatus(r, status)),
      200,
      headers,
    );
  }

  return [
    route('POST', '/repos/{owner}/{repo}/statuses/{sha}', async (req, params) => {
      const status = await postStatus(ctx, req.user.login, repoName(params), params.sha ?? '', {
        state: stringField(req.body, 'state') ?? '',
        context: stringField(req.body, 'context'),
        description: stringField(req.body, 'description'),
        targetUrl: stringField(req.body, 'target_url'),
      });
      return ok(apiCommitStatus(r, status), 201);
    }),
    route('GET', '/repos/{owner}/{repo}/statuses/{sha}', (req, params) => listStatuses(req, params, params.sha ?? '')),
    route('GET', '/repos/{owner}/{repo}/commits/{ref}/statuses', (req, params) =>
      listStatuses(req, params, params.ref ?? ''),
    ),
    route('GET', '/repos/{owner}/{repo}/commits/{ref}/status', async (req, params) => {
      const repo = reader(req, params);
      const sha = await shaOf(repo, params.ref ?? '');
      return ok(apiCombinedStatus(r, repo.fullName, sha, statusesOf(ctx, repo, sha)));
    }),
    route('GET', '/repos/{owner}/{repo}/actions/runs', (req, params) => {
      const repo = reader(req, params);
      const wanted = (value: string, name: string): boolean => {
        const asked = req.query.get(name);
        return asked === null || asked === '' || asked === value;
      };
      const runs = ctx.state.ci.runs
        .filter(
          (run) =>
            run.repo === repo.fullName &&
            wanted(run.headSha, 'head_sha') &&
            wanted(run.headBranch, 'branch') &&
            wanted(run.event, 'event'),
        )
        .sort((a, b) => b.id - a.id);
      const { page, headers } = paginate(runs, req);
      return ok({ total_count: runs.length, workflow_runs: page.map((run) => apiRun(r, run)) }, 200, headers);
    }),
    route('GET', '/repos/{owner}/{repo}/actions/runs/{run}', (req, params) =>
      ok(apiRun(r, runOf(ctx, reader(req, params), idParam(params, 'run')))),
    ),
    route('GET', '/repos/{owner}/{repo}/actions/runs/{run}/jobs', (req, params) => {
      const run = runOf(ctx, reader(req, params), idParam(params, 'run'));
      const jobs = jobsOf(ctx, run);
      const { page, headers } = paginate(jobs, req);
      return ok({ total_count: jobs.length, jobs: page.map((job) => apiJob(r, run, job)) }, 200, headers);
    }),
    route('GET', '/repos/{owner}/{repo}/actions/jobs/{job_id}/logs', (req, params) => {
      const repo = reader(req, params);
      const id = idParam(params, 'job_id');
      const job = ctx.state.ci.jobs.find((j) => j.repo === repo.fullName && j.id === id);
      if (job === undefined) throw new ForgeRefusal('not-found', `job ${id} not found`);
      return { status: 200, text: job.log };
    }),
    route('POST', '/repos/{owner}/{repo}/actions/runs/{run}/rerun-failed-jobs', async (req, params) => {
      await rerunFailedJobs(ctx, req.user.login, repoName(params), idParam(params, 'run'));
      return { status: 201 };
    }),
  ];
}

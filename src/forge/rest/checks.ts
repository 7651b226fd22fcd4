/**
 * The part of the forge port that reads CI and merges (`../client.ts`): the files a PR changes,
 * commit statuses, Actions runs, jobs and their logs, a rerun of failed jobs, the status checks
 * branch protection requires, and the merge itself. Built by `gitea-client.ts` on its own authenticated calls, so
 * the rules there (one credential, zod at the edge, a failed call is a `ForgeApiError`) hold here.
 */
import type { z } from 'zod';
import type { ForgeClient, RepoName } from '../client.js';
import {
  BranchProtection,
  ChangedFile,
  CommitStatus,
  PullRequest,
  WorkflowJobsPage,
  WorkflowRunsPage,
  type BranchProtectionData,
} from './schema.js';
import { toActionJob, toActionRun, toCommitStatus } from './to-refs.js';

type Query = Readonly<Record<string, string | number>>;

export interface CheckAnswer {
  readonly status: number;
  readonly json: unknown;
  readonly headers: Headers;
  /** The raw body, and the bytes left out before it when a tail was asked for. */
  readonly text: string;
  readonly omitted: number;
}

/** What the checks calls need of the client: one call, a parse, pagination, the path rules. */
export interface CheckCallsDeps {
  call(
    method: string,
    path: string,
    request?: { query?: Query; body?: unknown; allow?: readonly number[]; tailBytes?: number },
  ): Promise<CheckAnswer>;
  parse<S extends z.ZodType>(schema: S, answer: CheckAnswer, method: string, path: string): z.infer<S>;
  listAll<S extends z.ZodType>(
    schema: S,
    path: string,
    query: Query,
    key: (item: z.infer<S>) => number,
  ): Promise<Array<z.infer<S>>>;
  readonly pageLimit: number;
  readonly maxPages: number;
  repoPath(repo: RepoName): string;
  positive(number: number): number;
}

type CheckCalls = Pick<
  ForgeClient,
  | 'listPullFiles'
  | 'listCommitStatuses'
  | 'listActionRuns'
  | 'listRunJobs'
  | 'jobLogTail'
  | 'rerunFailedJobs'
  | 'requiredChecks'
  | 'mergePull'
>;

export function createCheckCalls(deps: CheckCallsDeps): CheckCalls {
  const { call, parse, repoPath, positive } = deps;

  /**
   * All pages of a list the forge wraps in an object (`{total_count, workflow_runs}`): read until
   * a short or empty page, or until `total_count` items have come.
   */
  async function listWrapped<T extends { id: number }>(
    path: string,
    query: Query,
    read: (answer: CheckAnswer) => { items: readonly T[]; total: number | undefined },
  ): Promise<T[]> {
    const byId = new Map<number, T>();
    for (let page = 1; page <= deps.maxPages; page++) {
      const { items, total } = read(await call('GET', path, { query: { ...query, page, limit: deps.pageLimit } }));
      for (const item of items) if (!byId.has(item.id)) byId.set(item.id, item);
      if (items.length === 0) break;
      if (total !== undefined ? byId.size >= total : items.length < deps.pageLimit) break;
    }
    return [...byId.values()];
  }

  return {
    async listPullFiles(repo, number) {
      const path = `${repoPath(repo)}/pulls/${positive(number)}/files`;
      const paths = new Set<string>();
      // A bare list with no ids: pages are read until a short one (the files of a PR are few).
      for (let page = 1; page <= deps.maxPages; page++) {
        const answer = await call('GET', path, { query: { page, limit: deps.pageLimit } });
        const files = parse(ChangedFile.array(), answer, 'GET', path);
        for (const file of files) {
          paths.add(file.filename);
          if (file.previous_filename) paths.add(file.previous_filename);
        }
        if (files.length < deps.pageLimit) break;
      }
      return [...paths];
    },
    async listCommitStatuses(repo, sha) {
      const path = `${repoPath(repo)}/commits/${encodeURIComponent(sha)}/statuses`;
      const statuses = await deps.listAll(CommitStatus, path, {}, (status) => status.id);
      return statuses.map(toCommitStatus);
    },
    async listActionRuns(repo, headSha) {
      const path = `${repoPath(repo)}/actions/runs`;
      const runs = await listWrapped(path, { head_sha: headSha }, (answer) => {
        const page = parse(WorkflowRunsPage, answer, 'GET', path);
        return { items: page.workflow_runs ?? [], total: page.total_count ?? undefined };
      });
      return runs.map(toActionRun);
    },
    async listRunJobs(repo, runId) {
      const path = `${repoPath(repo)}/actions/runs/${positive(runId)}/jobs`;
      const jobs = await listWrapped(path, {}, (answer) => {
        const page = parse(WorkflowJobsPage, answer, 'GET', path);
        return { items: page.jobs ?? [], total: page.total_count ?? undefined };
      });
      return jobs.map(toActionJob);
    },
    async jobLogTail(repo, jobId, maxBytes) {
      const path = `${repoPath(repo)}/actions/jobs/${positive(jobId)}/logs`;
      const answer = await call('GET', path, { tailBytes: Math.max(0, Math.floor(maxBytes)) });
      return { text: answer.text, omitted: answer.omitted };
    },
    async rerunFailedJobs(repo, runId) {
      await call('POST', `${repoPath(repo)}/actions/runs/${positive(runId)}/rerun-failed-jobs`);
    },
    async requiredChecks(repo, branch) {
      const path = `${repoPath(repo)}/branch_protections`;
      // Only a repository admin may read protection (403); a server without it answers 404.
      const answer = await call('GET', path, { allow: [403, 404] });
      if (answer.status === 403 || answer.status === 404) return undefined;
      const rule = ruleFor(parse(BranchProtection.array(), answer, 'GET', path), branch);
      const contexts = rule?.enable_status_check === true ? (rule.status_check_contexts ?? []) : [];
      // Status checks on with no contexts named: every status of the head must pass (Gitea).
      return contexts.length > 0 ? contexts : undefined;
    },
    async mergePull(repo, number, request) {
      const path = `${repoPath(repo)}/pulls/${positive(number)}/merge`;
      // Never `force_merge`: the service merges only what protection lets through.
      const answer = await call('POST', path, {
        body: {
          Do: request.style,
          head_commit_id: request.headSha,
          merge_when_checks_succeed: request.whenChecksSucceed,
        },
      });
      // Gitea answers a scheduled merge 201; servers that answer it 200 leave the PR open.
      if (answer.status === 201) return 'scheduled';
      if (!request.whenChecksSucceed) return 'merged';
      const pullPath = `${repoPath(repo)}/pulls/${positive(number)}`;
      const pull = parse(PullRequest, await call('GET', pullPath), 'GET', pullPath);
      return pull.merged === true ? 'merged' : 'scheduled';
    },
  };
}

/**
 * The rule protecting `branch`, as Gitea picks it: a rule named exactly for the branch first,
 * else the first glob rule (by `priority`) that matches it.
 */
export function ruleFor(rules: readonly BranchProtectionData[], branch: string): BranchProtectionData | undefined {
  const nameOf = (rule: BranchProtectionData): string => rule.rule_name || rule.branch_name || '';
  const exact = rules.find((rule) => nameOf(rule) === branch);
  if (exact !== undefined) return exact;
  return [...rules]
    .sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0))
    .find((rule) => isGlob(nameOf(rule)) && globMatches(nameOf(rule), branch));
}

const isGlob = (name: string): boolean => /[*?]/.test(name);

/** Gitea's rule globs (gobwas/glob with `/` as separator): `*` stays within a segment, `**` does not. */
export function globMatches(glob: string, branch: string): boolean {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] ?? '';
    if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[\\^$.|+(){}[\]]/g, '\\$&');
  }
  return new RegExp(`^${source}$`).test(branch);
}

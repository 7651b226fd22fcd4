/**
 * What a `checks_failed` event tells of each failed check (docs/until-merged.md): its name, link
 * and description, and for each of its failing Actions jobs the end of the job's log — read with
 * the service's credential through the Actions API (the head's runs, their failed jobs, each job's
 * log), redacted, and bounded: a status's link and description are whatever its poster wrote, and
 * a log is whatever the code under test printed.
 */
import type { FailedCheck, FailedJob, RepoRef } from '../core/events.js';
import type { ForgeClient } from '../forge/client.js';
import type { Logger } from '../lib/logger.js';
import type { CheckRecord } from '../pulls/ports.js';

/** Failing jobs whose logs are fetched for one wake, at most. */
const MAX_JOBS = 6;
/** Failed checks told in one wake, at most (the rest are on the PR's page). */
const MAX_CHECKS = 20;
/** Characters of a check's description or link told, at most. */
const MAX_FIELD = 500;

export type FailureReader = Pick<ForgeClient, 'listActionRuns' | 'listRunJobs' | 'jobLogTail'>;

export interface FailureOptions {
  readonly reader: FailureReader;
  /** Bytes of each log's end told. */
  readonly logTailBytes: number;
  readonly redact: (text: string) => string;
  readonly log: Logger;
}

interface Job {
  readonly id: number;
  readonly run: number;
  readonly name: string;
  readonly url: string;
}

/** The failed checks of head `sha`, each with its failing jobs' log tails. */
export async function describeFailures(
  options: FailureOptions,
  repo: RepoRef,
  sha: string,
  checks: readonly CheckRecord[],
): Promise<FailedCheck[]> {
  const jobs = await failedJobs(options, repo, sha);
  const used = new Set<number>();
  const failed: FailedCheck[] = [];
  for (const check of checks.slice(0, MAX_CHECKS)) {
    const described: FailedJob[] = [];
    for (const job of jobs.filter((job) => !used.has(job.id) && jobOf(check, job)).slice(0, MAX_JOBS - used.size)) {
      used.add(job.id);
      described.push({ ...job, ...(await logTail(options, repo, job.id)) });
    }
    failed.push({
      context: check.context,
      targetUrl: check.targetUrl.length > MAX_FIELD ? '' : check.targetUrl,
      description: options.redact(cut(check.description, MAX_FIELD)),
      jobs: described,
    });
  }
  return failed;
}

/**
 * Whether `job` is the check's: the job it names, a job of the run it names, or — a commit status
 * an Actions job posted, `<workflow> / <job> (<event>)` — the job its context names.
 */
function jobOf(check: CheckRecord, job: Job): boolean {
  return (
    job.id === check.jobId ||
    (check.jobId === undefined && job.run === check.runId) ||
    check.context === job.name ||
    check.context.includes(` / ${job.name} (`)
  );
}

/** The failed jobs of the head's failed runs; none on a forge without Actions or a token that may not read them. */
async function failedJobs(options: FailureOptions, repo: RepoRef, sha: string): Promise<Job[]> {
  try {
    const jobs: Job[] = [];
    const runs = await options.reader.listActionRuns(repo.fullName, sha);
    for (const run of runs.filter((r) => r.conclusion === 'failure').slice(0, MAX_JOBS)) {
      for (const job of await options.reader.listRunJobs(repo.fullName, run.id))
        if (job.conclusion === 'failure') jobs.push({ id: job.id, run: run.id, name: job.name, url: job.htmlUrl });
    }
    return jobs;
  } catch (error) {
    // The checks' names and links still say a lot.
    options.log.info({ err: error, sha }, 'could not read the Actions runs of a failed head');
    return [];
  }
}

async function logTail(
  options: FailureOptions,
  repo: RepoRef,
  jobId: number,
): Promise<{ logTail: string; omitted: number }> {
  try {
    const tail = await options.reader.jobLogTail(repo.fullName, jobId, options.logTailBytes);
    return { logTail: options.redact(tail.text), omitted: tail.omitted };
  } catch (error) {
    options.log.info({ err: error, job: jobId }, 'could not read a failing job log');
    return { logTail: '(the log could not be read)', omitted: 0 };
  }
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

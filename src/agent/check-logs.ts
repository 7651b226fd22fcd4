/**
 * The whole log of each failing job a `checks_failed` event names, put in the worktree before the
 * run (docs/until-merged.md): the prompt quotes only the end of each log, and the agent reads the
 * rest at `.claude-hooks/checks/<job id>.log`. The service fetches them with its own credential;
 * the run never holds one.
 *
 * The worktree is the agent's to write, so it may have left a symbolic link where the directory or
 * a log should be, pointing anywhere the service can write: every part of the path is checked to
 * be a real directory inside the worktree (a link is removed), and each file is opened with
 * `O_NOFOLLOW`. The directory is listed in the repository's `info/exclude`, so the logs are never
 * committed. A log that cannot be read is said in the service's log; the run goes on without it.
 */
import { constants } from 'node:fs';
import { appendFile, lstat, mkdir, open, readFile, realpath, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ForgeClient } from '../forge/client.js';
import type { Logger } from '../lib/logger.js';
import type { RunRequest } from '../queue/ports.js';
import type { GitDirs } from '../workdir/index.js';

/** Where the logs go, relative to the worktree. */
export const CHECK_LOG_DIR = '.claude-hooks/checks';

export const checkLogPath = (jobId: number): string => `${CHECK_LOG_DIR}/${jobId}.log`;

export interface CheckLogOptions {
  /** Reads the logs with the service's credential. */
  readonly reader: Pick<ForgeClient, 'jobLogTail'>;
  /** Bytes of each log kept at most (its end). */
  readonly maxBytes: number;
  /** The one redactor: a log may echo a secret the CI had. */
  readonly redact: (text: string) => string;
  readonly log: Logger;
}

export type CheckLogPlacer = (request: RunRequest, worktree: string, gitDirs: GitDirs) => Promise<void>;

export function checkLogPlacer(options: CheckLogOptions): CheckLogPlacer {
  return async (request, worktree, gitDirs) => {
    const jobs = failingJobs(request);
    if (jobs.length === 0) return;
    try {
      const dir = await safeDirectory(worktree, CHECK_LOG_DIR);
      await excludeFromGit(gitDirs.commonDir);
      for (const jobId of jobs) {
        try {
          const tail = await options.reader.jobLogTail(request.repo.fullName, jobId, options.maxBytes);
          const cut = tail.omitted > 0 ? `[the first ${tail.omitted} bytes of this log are left out]\n` : '';
          await writeNoFollow(join(dir, `${jobId}.log`), cut + options.redact(tail.text));
        } catch (error) {
          options.log.warn({ err: error, job: request.jobId, actionsJob: jobId }, 'could not fetch a failing job log');
        }
      }
    } catch (error) {
      options.log.warn({ err: error, job: request.jobId }, 'could not place the failing jobs logs in the worktree');
    }
  };
}

/** The Actions jobs the run's `checks_failed` events name, each once. */
function failingJobs(request: RunRequest): number[] {
  const ids = new Set<number>();
  for (const { event } of request.events)
    if (event.type === 'pull_request' && event.action === 'checks_failed')
      for (const check of event.checks?.failed ?? []) for (const job of check.jobs) ids.add(job.id);
  return [...ids];
}

/** `worktree/<path>` as real directories inside the worktree; anything else in their place is removed. */
async function safeDirectory(worktree: string, path: string): Promise<string> {
  const root = await realpath(worktree);
  let dir = root;
  for (const part of path.split('/')) {
    dir = join(dir, part);
    const stat = await lstat(dir).catch(() => undefined);
    if (stat && !stat.isDirectory()) await rm(dir, { force: true, recursive: false });
    if (!stat?.isDirectory()) await mkdir(dir);
  }
  const real = await realpath(dir);
  const inside = relative(root, real);
  if (inside.startsWith('..') || inside.startsWith(sep)) throw new Error(`${path} leads out of the worktree`);
  return real;
}

async function writeNoFollow(file: string, text: string): Promise<void> {
  const handle = await open(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

/** Lists the log directory in the repository's `info/exclude` (the service's cache, never the agent's to write). */
async function excludeFromGit(commonDir: string): Promise<void> {
  const infoDir = join(commonDir, 'info');
  const exclude = join(infoDir, 'exclude');
  const line = `/${CHECK_LOG_DIR.split('/')[0]}/`;
  const current = await readFile(exclude, 'utf8').catch(() => '');
  if (current.split('\n').includes(line)) return;
  await mkdir(infoDir, { recursive: true });
  await appendFile(exclude, `${current === '' || current.endsWith('\n') ? '' : '\n'}${line}\n`);
}

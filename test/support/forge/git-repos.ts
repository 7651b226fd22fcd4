/**
 * The bare repositories behind the forge double, changed with git plumbing only (no worktree):
 * seeding files, a human's commit, reading refs around a push, merging a PR, deleting a branch.
 * Every git call goes through `runGit` with an argument array, never a shell.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ZERO_SHA = '0000000000000000000000000000000000000000';

export class GitCommandError extends Error {
  readonly code = 'GIT';
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed (${exitCode}): ${stderr.trim()}`);
    this.name = 'GitCommandError';
  }
}

export interface Signature {
  readonly name: string;
  readonly email: string;
}

interface RunOptions {
  readonly gitDir: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly input?: string;
  /** Exit codes that are answers, not failures (`merge-base --is-ancestor` says no with 1). */
  readonly okCodes?: readonly number[];
}

export function runGit(args: readonly string[], options: RunOptions): Promise<{ stdout: string; exitCode: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      env: {
        PATH: process.env.PATH,
        HOME: options.gitDir,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_DIR: options.gitDir,
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 || (code !== null && options.okCodes?.includes(code))) resolve({ stdout, exitCode: code });
      else reject(new GitCommandError(args, code, stderr));
    });
    // git may exit before reading its input (EPIPE); its exit code tells what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

const git = async (
  gitDir: string,
  args: readonly string[],
  env?: Record<string, string>,
  input?: string,
): Promise<string> => (await runGit(args, { gitDir, env, input })).stdout.trim();

function identity(author: Signature): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
  };
}

export async function initBareRepo(gitDir: string, defaultBranch: string): Promise<void> {
  await mkdir(gitDir, { recursive: true });
  await git(gitDir, ['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`]);
}

export interface CommitRequest {
  readonly branch: string;
  /** Where a missing `branch` starts (a branch name); from nothing when omitted. */
  readonly from?: string;
  /** Path → content; `null` deletes the file. */
  readonly files: Readonly<Record<string, string | null>>;
  readonly message: string;
  readonly author: Signature;
}

/** Commits on top of `branch` (creating it when missing); returns the branch's old and new sha. */
export async function commitFiles(gitDir: string, request: CommitRequest): Promise<{ before: string; after: string }> {
  const before = (await resolveRef(gitDir, `refs/heads/${request.branch}`)) ?? ZERO_SHA;
  const parent =
    before !== ZERO_SHA
      ? before
      : request.from === undefined
        ? undefined
        : await resolveRef(gitDir, `refs/heads/${request.from}`);
  const indexDir = await mkdtemp(join(tmpdir(), 'forge-double-index-'));
  const env = { ...identity(request.author), GIT_INDEX_FILE: join(indexDir, 'index') };
  try {
    if (parent !== undefined) await git(gitDir, ['read-tree', parent], env);
    for (const [path, content] of Object.entries(request.files)) {
      if (content === null) {
        // `--force-remove` wants a work tree; a zero mode in `--index-info` removes the entry without one.
        await git(gitDir, ['update-index', '--index-info'], env, `0 ${ZERO_SHA}\t${path}\n`);
        continue;
      }
      const blob = await git(gitDir, ['hash-object', '-w', '--stdin'], env, content);
      await git(gitDir, ['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`], env);
    }
    const tree = await git(gitDir, ['write-tree'], env);
    const parents = parent === undefined ? [] : ['-p', parent];
    const after = await git(gitDir, ['commit-tree', tree, ...parents, '-m', request.message], env);
    await git(gitDir, ['update-ref', `refs/heads/${request.branch}`, after, before]);
    return { before, after };
  } finally {
    await rm(indexDir, { recursive: true, force: true });
  }
}

export async function resolveRef(gitDir: string, ref: string): Promise<string | undefined> {
  const { stdout, exitCode } = await runGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
    gitDir,
    okCodes: [1],
  });
  return exitCode === 0 ? stdout.trim() : undefined;
}

/** `refs/heads/main` → sha, for every branch and tag. */
export async function readRefs(gitDir: string): Promise<Map<string, string>> {
  const out = await git(gitDir, ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags']);
  const refs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [sha, ref] = line.split(' ');
    if (sha && ref) refs.set(ref, sha);
  }
  return refs;
}

export async function deleteRef(gitDir: string, ref: string): Promise<void> {
  await git(gitDir, ['update-ref', '-d', ref]);
}

export async function mergeBaseOf(gitDir: string, a: string, b: string): Promise<string> {
  const { stdout } = await runGit(['merge-base', a, b], { gitDir, okCodes: [1] });
  return stdout.trim();
}

export async function diffStats(
  gitDir: string,
  base: string,
  head: string,
): Promise<{ additions: number; deletions: number; changedFiles: number }> {
  const since = (await mergeBaseOf(gitDir, base, head)) || base;
  const out = await git(gitDir, ['diff', '--numstat', since, head]);
  let additions = 0;
  let deletions = 0;
  const lines = out === '' ? [] : out.split('\n');
  for (const line of lines) {
    const [added, deleted] = line.split('\t');
    additions += Number.parseInt(added ?? '0', 10) || 0;
    deletions += Number.parseInt(deleted ?? '0', 10) || 0;
  }
  return { additions, deletions, changedFiles: lines.length };
}

/** The files a PR changes, from the merge base to its head (a rename names both paths). */
export async function pullFiles(
  gitDir: string,
  base: string,
  head: string,
): Promise<Array<{ filename: string; previous?: string; status: string }>> {
  const since = (await mergeBaseOf(gitDir, base, head)) || base;
  const out = await git(gitDir, ['diff', '--name-status', '-M', since, head]);
  return (out === '' ? [] : out.split('\n')).map((line) => {
    const [code = '', first = '', second] = line.split('\t');
    const status = code.startsWith('A')
      ? 'added'
      : code.startsWith('D')
        ? 'deleted'
        : code.startsWith('R')
          ? 'renamed'
          : 'modified';
    return second === undefined ? { filename: first, status } : { filename: second, previous: first, status };
  });
}

export interface CommitInfo {
  readonly sha: string;
  readonly message: string;
  readonly author: Signature;
  readonly committer: Signature;
  readonly timestamp: string;
  readonly added: string[];
  readonly removed: string[];
  readonly modified: string[];
}

/** Commits reachable from `after` and from none of `exclude`, oldest first. */
export async function commitsBetween(gitDir: string, after: string, exclude: readonly string[]): Promise<CommitInfo[]> {
  const format = '%H%x1f%an%x1f%ae%x1f%cn%x1f%ce%x1f%cI%x1f%B%x1e';
  const out = await git(gitDir, ['log', '--reverse', `--format=${format}`, after, '--not', ...exclude, '--']);
  const commits: CommitInfo[] = [];
  for (const record of out.split('\x1e')) {
    const [sha, an, ae, cn, ce, timestamp, message] = record.replace(/^\n/, '').split('\x1f');
    if (!sha || timestamp === undefined) continue;
    const files = await changedFiles(gitDir, sha);
    commits.push({
      sha,
      message: message ?? '',
      author: { name: an ?? '', email: ae ?? '' },
      committer: { name: cn ?? '', email: ce ?? '' },
      timestamp,
      ...files,
    });
  }
  return commits;
}

async function changedFiles(gitDir: string, sha: string): Promise<Pick<CommitInfo, 'added' | 'removed' | 'modified'>> {
  const out = await git(gitDir, ['diff-tree', '--no-commit-id', '--name-status', '-r', '--root', sha]);
  const result = { added: [] as string[], removed: [] as string[], modified: [] as string[] };
  for (const line of out === '' ? [] : out.split('\n')) {
    const [status, path] = line.split('\t');
    if (path === undefined) continue;
    if (status === 'A') result.added.push(path);
    else if (status === 'D') result.removed.push(path);
    else result.modified.push(path);
  }
  return result;
}

export class MergeConflictError extends Error {
  readonly code = 'MERGE_CONFLICT';
  constructor(
    readonly base: string,
    readonly head: string,
  ) {
    super(`merging ${head} into ${base} conflicts`);
    this.name = 'MergeConflictError';
  }
}

/**
 * Whether `head` merges onto `base` without a conflict: `git merge-tree --write-tree` writes the
 * merged tree (into the object store, nowhere else) and exits 1 on a conflict. One git call.
 */
export async function mergesCleanly(gitDir: string, base: string, head: string): Promise<boolean> {
  const { exitCode } = await runGit(['merge-tree', '--write-tree', base, head], { gitDir, okCodes: [1] });
  return exitCode === 0;
}

/** One commit as a webhook's `PayloadCommit` needs it. */
export async function commitOf(gitDir: string, sha: string): Promise<CommitInfo | undefined> {
  const format = '%H%x1f%an%x1f%ae%x1f%cn%x1f%ce%x1f%cI%x1f%B';
  const { stdout, exitCode } = await runGit(['show', '-s', `--format=${format}`, `${sha}^{commit}`, '--'], {
    gitDir,
    okCodes: [128],
  });
  if (exitCode !== 0) return undefined;
  const [id, an, ae, cn, ce, timestamp, message] = stdout.split('\x1f');
  if (!id || timestamp === undefined) return undefined;
  return {
    sha: id,
    message: message?.replace(/\n$/, '') ?? '',
    author: { name: an ?? '', email: ae ?? '' },
    committer: { name: cn ?? '', email: ce ?? '' },
    timestamp,
    added: [],
    removed: [],
    modified: [],
  };
}

/**
 * A merge commit of `head` into `base` (Gitea's default "merge" style), moving `base`; with
 * `squash`, one commit of the merged tree on top of `base` instead.
 */
export async function mergeIntoBase(
  gitDir: string,
  request: { base: string; head: string; message: string; author: Signature; squash?: boolean },
): Promise<{ before: string; after: string }> {
  const before = await resolveRef(gitDir, `refs/heads/${request.base}`);
  const headSha = await resolveRef(gitDir, `refs/heads/${request.head}`);
  if (before === undefined || headSha === undefined) throw new MergeConflictError(request.base, request.head);
  const { stdout, exitCode } = await runGit(['merge-tree', '--write-tree', before, headSha], { gitDir, okCodes: [1] });
  if (exitCode !== 0) throw new MergeConflictError(request.base, request.head);
  const tree = stdout.split('\n')[0]?.trim() ?? '';
  const parents = request.squash === true ? ['-p', before] : ['-p', before, '-p', headSha];
  const after = await git(gitDir, ['commit-tree', tree, ...parents, '-m', request.message], identity(request.author));
  await git(gitDir, ['update-ref', `refs/heads/${request.base}`, after, before]);
  return { before, after };
}

/** Timing and plumbing helpers for the workdir benchmark. */
import { execFile, spawnSync } from 'node:child_process';
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median milliseconds of `runs` runs of `step` (each given its run number); `prepare` is untimed. */
export async function timed(
  runs: number,
  step: (i: number) => Promise<unknown>,
  prepare?: (i: number) => Promise<unknown> | void,
): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    await prepare?.(i);
    const started = performance.now();
    await step(i);
    samples.push(performance.now() - started);
  }
  return median(samples);
}

/** Git through the network: asynchronous, so the in-process server keeps serving. */
export async function gitAsync(cwd: string, args: readonly string[], env: Record<string, string>): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** Local git on the served repository (never while a request is in flight). */
export function gitSync(cwd: string, args: readonly string[], env: Record<string, string> = {}): string {
  const result = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', ...env },
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** Allocated bytes under `path` (`du -sk`). */
export async function diskBytes(path: string): Promise<number> {
  const { stdout } = await execFileAsync('du', ['-sk', '--', path]);
  return Number.parseInt(stdout, 10) * 1024;
}

/**
 * What a naive in-process measurement would do: walk `dir` synchronously, summing allocated
 * bytes. The event loop is blocked for as long as this takes; it is the contrast for `du`.
 */
export function walkBytesSync(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    bytes += lstatSync(path).blocks * 512;
    if (entry.isDirectory()) bytes += walkBytesSync(path);
  }
  return bytes;
}

/**
 * Moves `branch` on the served repository as a push would: a new commit changing one file, on top
 * of the branch (`fast-forward`) or of its parent (`force`, a rewritten tip).
 */
export function moveBranch(bare: string, branch: string, how: 'fast-forward' | 'force', n: number): string {
  const index = join(bare, `bench-index-${n}`);
  const env = {
    GIT_INDEX_FILE: index,
    GIT_AUTHOR_NAME: 'Human',
    GIT_AUTHOR_EMAIL: 'h@example.test',
    GIT_COMMITTER_NAME: 'Human',
    GIT_COMMITTER_EMAIL: 'h@example.test',
  };
  const parent = gitSync(bare, ['rev-parse', how === 'force' ? `refs/heads/${branch}~1` : `refs/heads/${branch}`]);
  gitSync(bare, ['read-tree', parent], env);
  const blob = spawnSync('git', ['hash-object', '-w', '--stdin'], {
    cwd: bare,
    input: `change ${n} (${how})\n`,
    encoding: 'utf8',
  }).stdout.trim();
  gitSync(bare, ['update-index', '--add', '--cacheinfo', `100644,${blob},src/bench-change-${n % 3}.txt`], env);
  const tree = gitSync(bare, ['write-tree'], env);
  const commit = gitSync(bare, ['commit-tree', tree, '-p', parent, '-m', `bench ${how} ${n}`], env);
  gitSync(bare, ['update-ref', `refs/heads/${branch}`, commit]);
  rmSync(index, { force: true });
  return commit;
}

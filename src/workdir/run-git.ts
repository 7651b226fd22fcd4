/**
 * The one place the service starts git. Every call is `spawn('git', args)` with an argument
 * array — never a shell — in an environment built here from scratch: the caller's base (PATH,
 * proxies, CA bundles) with every inherited `GIT_*` variable removed, so a stray `GIT_DIR` or
 * `GIT_INDEX_FILE` in the service's own environment can never redirect a command.
 *
 * The runner remembers which git processes it has running and where, so stale-lock recovery can
 * tell a lock left by a crash from one held by a git process of ours.
 */
import { spawn } from 'node:child_process';
import { isWithin } from './paths.js';

export interface GitRunOptions {
  readonly cwd: string;
  /** Added on top of the runner's environment (auth, identity, `GIT_INDEX_FILE`). */
  readonly env?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Exit codes that are answers rather than failures (`merge-base --is-ancestor` exits 1 for "no"). */
  readonly allowExitCodes?: readonly number[];
}

export interface GitOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export type RunGit = (args: readonly string[], options: GitRunOptions) => Promise<GitOutput>;

export interface GitRunner {
  readonly run: RunGit;
  /** Whether a git process this runner started is still running with its cwd inside `path`. */
  isRunningIn(path: string): boolean;
}

/** A git command that failed: what ran, where, how it ended and what git said. */
export class GitError extends Error {
  readonly code = 'GIT_FAILED';
  constructor(
    readonly args: readonly string[],
    readonly cwd: string,
    /** null when git was killed by a signal or could not be started. */
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly signal: NodeJS.Signals | null = null,
  ) {
    const how = exitCode === null ? `was ended by ${signal ?? 'an error'}` : `exited with ${exitCode}`;
    super(`git ${args.join(' ')} ${how} in ${cwd}: ${stderr.trim().split('\n').slice(-3).join(' | ') || '(no output)'}`);
    this.name = 'GitError';
  }
}

/** Largest stdout kept; the module never asks git for more (patches and bundles go to files). */
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

export interface GitRunnerOptions {
  /** The environment git starts from: PATH at least. `GIT_*` variables in it are dropped. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The git executable; `git` from PATH unless told. */
  readonly gitBinary?: string;
}

export function createGitRunner(options: GitRunnerOptions): GitRunner {
  const base = baseEnvironment(options.env);
  const binary = options.gitBinary ?? 'git';
  const running = new Map<number, string>();
  let next = 0;

  const run: RunGit = (args, runOptions) =>
    new Promise((resolve, reject) => {
      const env = hardened({ ...base, ...runOptions.env });
      const child = spawn(binary, args, { cwd: runOptions.cwd, env, shell: false, stdio: ['ignore', 'pipe', 'pipe'], signal: runOptions.signal });
      const id = next++;
      running.set(id, runOptions.cwd);
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let size = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_OUTPUT_BYTES) stdout.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 256) stderr.push(chunk);
      });
      let settled = false;
      child.on('error', (error) => {
        // Not started at all (no git on PATH, bad cwd): there will be no exit to wait for.
        if (child.pid !== undefined || settled) return;
        settled = true;
        running.delete(id);
        reject(new GitError(args, runOptions.cwd, null, error.message));
      });
      child.on('close', (code, signal) => {
        running.delete(id);
        if (settled) return;
        settled = true;
        const err = Buffer.concat(stderr).toString('utf8');
        if (size > MAX_OUTPUT_BYTES) {
          reject(new GitError(args, runOptions.cwd, code, `output larger than ${MAX_OUTPUT_BYTES} bytes`, signal));
          return;
        }
        const exitCode = code ?? -1;
        if (code === 0 || (code !== null && runOptions.allowExitCodes?.includes(code))) {
          resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: err, exitCode });
          return;
        }
        reject(new GitError(args, runOptions.cwd, code, err, signal));
      });
    });

  return {
    run,
    isRunningIn: (path) => [...running.values()].some((cwd) => isWithin(cwd, path)),
  };
}

function baseEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || key.startsWith('GIT_')) continue;
    out[key] = value;
  }
  return {
    ...out,
    // Stable, parseable messages ("couldn't find remote ref", "Unable to create '….lock'").
    LC_ALL: 'C',
    LANGUAGE: 'C',
    // Never wait for a human: a missing credential fails the command instead of hanging it.
    GIT_TERMINAL_PROMPT: '0',
    // The service's git reads only the repository's own config, not the host's or the user's.
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    // Payload-supplied URLs cannot reach `file://`, `ext::` or ssh transports.
    GIT_ALLOW_PROTOCOL: 'http:https',
  };
}

/**
 * Configuration every git the service runs gets, read after every config file (so a value an
 * agent planted in a worktree's or a cache's config cannot win): no fsmonitor daemon, no hooks, no
 * askpass program, no pager, no recursion into submodules (a crafted submodule brings its own
 * config, which a recursing `status` would read), and only the forge's HTTP(S) transports. With
 * the sandbox, an agent cannot write any config file the service's git reads at all; the one diff
 * the service runs (saving work to the attic) passes `--no-ext-diff --no-textconv`
 * (docs/decisions.md, "The service's own git").
 */
export const GIT_HARDENING: readonly (readonly [string, string])[] = [
  ['core.fsmonitor', 'false'],
  ['core.hooksPath', '/dev/null'],
  ['core.askPass', ''],
  ['core.pager', 'cat'],
  ['submodule.recurse', 'false'],
  ['diff.ignoreSubmodules', 'all'],
  ['status.submoduleSummary', 'false'],
  ['protocol.allow', 'never'],
  ['protocol.http.allow', 'always'],
  ['protocol.https.allow', 'always'],
];

/** The caller's command-scope config (`GIT_CONFIG_*`) with the hardening appended, so it wins. */
function hardened(env: Record<string, string>): Record<string, string> {
  const count = Number.parseInt(env.GIT_CONFIG_COUNT ?? '0', 10) || 0;
  const pairs: (readonly [string, string])[] = [];
  for (let i = 0; i < count; i++) pairs.push([env[`GIT_CONFIG_KEY_${i}`] ?? '', env[`GIT_CONFIG_VALUE_${i}`] ?? '']);
  return { ...env, ...configEnvironment([...pairs.filter(([key]) => key !== ''), ...GIT_HARDENING]) };
}

/**
 * Command-scope git configuration as environment variables (`GIT_CONFIG_COUNT`), which git reads
 * after every config file. Used for the credential-helper chain and to keep hooks from running.
 */
export function configEnvironment(pairs: readonly (readonly [string, string])[]): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(pairs.length) };
  pairs.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

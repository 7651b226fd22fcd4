/**
 * The one place the service starts git. Every call is `spawn('git', args)` with an argument
 * array — never a shell — in an environment built here from scratch: the caller's base (PATH,
 * proxies, CA bundles) with every inherited `GIT_*` variable removed, so a stray `GIT_DIR` or
 * `GIT_INDEX_FILE` in the service's own environment can never redirect a command.
 *
 * The runner remembers which git processes it has running and where, so stale-lock recovery can
 * tell a lock left by a crash from one held by a git process of ours.
 *
 * Every command has a time limit (fault injection: a git server that accepted and never answered
 * held a repository, and both global slots, far past the jobs' wall clock). A transfer that moves
 * less than one byte a second for the idle time is ended by git itself (curl's low-speed limit,
 * set by environment so no repository config can lift it); a command still running at the hard
 * cap — a server that trickles, a stuck disk — is ended by the runner, SIGTERM (git removes its
 * lock files) then SIGKILL, together with the helpers it started. One cap for every command: in a
 * partial clone a "local" `worktree add` or `checkout` fetches blobs from the forge too.
 */
import { spawn } from 'node:child_process';
import { isWithin } from './paths.js';
import { processTreeOf, signalTree, type ProcessId } from './process-tree.js';

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

/**
 * Which time limit ended a command: `idle`, the remote sent (almost) nothing for `seconds`
 * (`workdir.gitIdleTimeoutSeconds`); `overall`, the command ran for `seconds` in all
 * (`workdir.gitTimeoutMinutes`) and was killed.
 */
export interface GitTimeout {
  readonly kind: 'idle' | 'overall';
  readonly seconds: number;
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
    /** Set when a time limit ended the command. */
    readonly timeout?: GitTimeout,
  ) {
    super(
      `git ${args.join(' ')} ${howItEnded(exitCode, signal, timeout)} in ${cwd}: ${stderr.trim().split('\n').slice(-3).join(' | ') || '(no output)'}`,
    );
    this.name = 'GitError';
  }
}

function howItEnded(exitCode: number | null, signal: NodeJS.Signals | null, timeout: GitTimeout | undefined): string {
  if (timeout?.kind === 'idle')
    return `timed out: the remote sent nothing for ${timeout.seconds} s (workdir.gitIdleTimeoutSeconds)`;
  if (timeout?.kind === 'overall')
    return `timed out: still running after ${timeout.seconds} s (workdir.gitTimeoutMinutes), so it was killed`;
  return exitCode === null ? `was ended by ${signal ?? 'an error'}` : `exited with ${exitCode}`;
}

/** What curl says when the low-speed limit ends a transfer (`LC_ALL=C`: the words are stable). */
const LOW_SPEED = /Operation too slow/;

/** Largest stdout kept; the module never asks git for more (patches and bundles go to files). */
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

export interface GitRunnerOptions {
  /** The environment git starts from: PATH at least. `GIT_*` variables in it are dropped. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The git executable; `git` from PATH unless told. */
  readonly gitBinary?: string;
  /** A transfer moving less than one byte a second for this long fails (default 60 s). */
  readonly idleTimeoutSeconds?: number;
  /** Any command still running after this long is killed (default 10 min). */
  readonly timeoutMs?: number;
  /** Between SIGTERM and SIGKILL when a command is ended (default 5 s). */
  readonly killGraceMs?: number;
}

const DEFAULT_IDLE_TIMEOUT_SECONDS = 60;
const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_KILL_GRACE_MS = 5000;

export function createGitRunner(options: GitRunnerOptions): GitRunner {
  const idleSeconds = options.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS;
  const limits: Limits = {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    graceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
  };
  const base = baseEnvironment(options.env);
  const binary = options.gitBinary ?? 'git';
  const running = new Map<number, string>();
  let next = 0;

  const run: RunGit = (args, runOptions) =>
    new Promise((resolve, reject) => {
      const { cwd, signal: abort } = runOptions;
      if (abort?.aborted) {
        reject(new GitError(args, cwd, null, 'not started: the work it was for was stopped'));
        return;
      }
      const env = hardened({ ...base, ...runOptions.env, ...lowSpeedEnvironment(idleSeconds) });
      const child = spawn(binary, args, { cwd, env, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
      const id = next++;
      running.set(id, cwd);
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
      const timeoutOf = (code: number | null, err: string): GitTimeout | undefined => {
        if (limit.reason() === 'timeout') return { kind: 'overall', seconds: Math.round(limits.timeoutMs / 1000) };
        return code !== 0 && LOW_SPEED.test(err) ? { kind: 'idle', seconds: idleSeconds } : undefined;
      };
      const limit = limitRun(child.pid, limits, abort, () => {
        // Killed, yet not closed: something outside the tree holds its pipes, or it cannot die.
        if (settled) return;
        settled = true;
        reject(new GitError(args, cwd, null, Buffer.concat(stderr).toString('utf8'), 'SIGKILL', timeoutOf(null, '')));
      });
      child.on('error', (error) => {
        // Not started at all (no git on PATH, bad cwd): there will be no exit to wait for.
        if (child.pid !== undefined || settled) return;
        settled = true;
        limit.clear();
        running.delete(id);
        reject(new GitError(args, cwd, null, error.message));
      });
      child.on('close', (code, signal) => {
        running.delete(id);
        limit.clear();
        if (settled) return;
        settled = true;
        const err = Buffer.concat(stderr).toString('utf8');
        if (size > MAX_OUTPUT_BYTES) {
          reject(new GitError(args, cwd, code, `output larger than ${MAX_OUTPUT_BYTES} bytes`, signal));
          return;
        }
        const exitCode = code ?? -1;
        if (code === 0 || (code !== null && runOptions.allowExitCodes?.includes(code))) {
          resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: err, exitCode });
          return;
        }
        reject(new GitError(args, cwd, code, err, signal, timeoutOf(code, err)));
      });
    });

  return {
    run,
    isRunningIn: (path) => [...running.values()].some((cwd) => isWithin(cwd, path)),
  };
}

interface Limits {
  readonly timeoutMs: number;
  readonly graceMs: number;
}

interface RunLimit {
  /** Why the command is being ended, if it is. */
  reason(): 'timeout' | 'abort' | undefined;
  /** The command closed: stop watching it (an ending already begun goes on to its SIGKILL). */
  clear(): void;
}

/**
 * Ends the command at the hard cap or when `abort` fires: SIGTERM to git and its helpers, SIGKILL
 * to those still there `graceMs` later, and `stuck` a second after that if it has not closed.
 */
function limitRun(
  pid: number | undefined,
  limits: Limits,
  abort: AbortSignal | undefined,
  stuck: () => void,
): RunLimit {
  let reason: 'timeout' | 'abort' | undefined;
  const end = (why: 'timeout' | 'abort') => {
    if (reason !== undefined || pid === undefined) return;
    reason = why;
    void endTree(pid, limits.graceMs, stuck);
  };
  const timer = setTimeout(() => end('timeout'), limits.timeoutMs);
  const onAbort = () => end('abort');
  abort?.addEventListener('abort', onAbort, { once: true });
  return {
    reason: () => reason,
    clear() {
      clearTimeout(timer);
      abort?.removeEventListener('abort', onAbort);
    },
  };
}

async function endTree(pid: number, graceMs: number, stuck: () => void): Promise<void> {
  const tree: readonly ProcessId[] = await processTreeOf(pid);
  await signalTree(tree, 'SIGTERM');
  await delay(graceMs);
  await signalTree(tree, 'SIGKILL');
  await delay(1000);
  stuck();
}

/** Unref'd: a pending SIGKILL never keeps the process alive on its own. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * curl's low-speed limit for git's HTTP transport, as environment (which wins over every config
 * file): less than one byte a second for `seconds` ends the transfer with "Operation too slow".
 */
function lowSpeedEnvironment(seconds: number): Record<string, string> {
  return { GIT_HTTP_LOW_SPEED_LIMIT: '1', GIT_HTTP_LOW_SPEED_TIME: String(seconds) };
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
 * (docs/decisions.md §41).
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

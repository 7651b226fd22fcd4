/**
 * The Claude Code runtime processes of one run, spawned by us (the SDK's `spawnClaudeCodeProcess`)
 * so the run can wait for them to end.
 *
 * The SDK ends a runtime on its own time: after the input closes it waits about 2 s, then sends
 * SIGTERM, then SIGKILL 5 s later, on unref'd timers, and `query()` has long returned by then. A
 * run that returned would release its worktree while its runtime still writes the transcript and
 * its config under `CLAUDE_CONFIG_DIR` — the worktree could be removed under it, and the next run
 * of the key could resume a transcript that is not complete. So a run is over only when its
 * runtimes have exited: `settled()` waits for them, and kills one that outlives the grace.
 *
 * This is also where a run enters its sandbox: `wrap` turns the runtime's command into `bwrap …`.
 *
 * A run's processes die with it. In a sandbox the sandbox does it: when `bwrap` ends, its pid
 * namespace ends with everything in it, and `--die-with-parent` ends it with the service. With
 * `ownGroup` (`isolation: none`) each runtime leads a process group of its own, killed whole when
 * the runtime outlives the grace, and once the runtimes have exited whatever carries the run's mark
 * is ended too (the runtime gives each Bash command a session of its own, so its group is not all).
 * `onSpawn` tells each runtime's pid as it starts, so a later start of the service can end what a
 * killed one left (`agent/leftover-processes.ts`).
 *
 * Spawning here loses the SDK's own stderr capture (its exit errors quote the runtime's stderr),
 * so the last few kilobytes of stderr are kept for the run's error detail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { SpawnedProcess, SpawnOptions } from '@anthropic-ai/claude-agent-sdk';
import { endLeftovers, RUN_MARK_VARIABLE, thisHost } from '../leftover-processes.js';

const STDERR_TAIL_BYTES = 4096;
/** Longer than the SDK's own close (2 s grace, SIGTERM, 5 s, SIGKILL): normally it ends them first. */
export const DEFAULT_EXIT_GRACE_MS = 10_000;

export interface RuntimeProcesses {
  /** For `Options.spawnClaudeCodeProcess`. */
  readonly spawn: (options: SpawnOptions) => SpawnedProcess;
  /** Resolves once every runtime spawned so far has exited; one still alive after `graceMs` is killed. */
  settled(graceMs?: number): Promise<void>;
  /** The end of what the runtimes wrote to stderr ('' when nothing). */
  stderrTail(): string;
  /** In every runtime's environment as `CLAUDE_HOOKS_RUN_MARK`: what the runtimes start inherits it. */
  readonly mark: string;
}

/** A runtime as it was spawned. */
export interface SpawnedRuntime {
  /** Its top process: `bwrap`, or the runtime itself. */
  readonly pid: number;
  readonly mark: string;
}

export interface RuntimeProcessesOptions {
  /** Each runtime in a process group of its own (`isolation: none`; a sandbox needs none). */
  readonly ownGroup?: boolean;
  /** Called as each runtime is spawned (not for one that could not be). */
  readonly onSpawn?: (runtime: SpawnedRuntime) => void;
}

/** Turns the runtime's command into the one that starts it in the run's sandbox. */
export type Wrap = (
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
) => { readonly command: string; readonly args: readonly string[] };

/** How long, after a runtime exited, its stderr may take to end (a child it left may hold the pipe). */
const STDERR_DRAIN_MS = 500;

export function createRuntimeProcesses(wrap?: Wrap, processOptions: RuntimeProcessesOptions = {}): RuntimeProcesses {
  const running = new Map<ChildProcess, Promise<void>>();
  /** Each runtime's stderr, ended: its last words arrive after its 'exit'. */
  const drained = new Map<ChildProcess, Promise<void>>();
  const mark = randomBytes(12).toString('hex');
  const ownGroup = processOptions.ownGroup === true;
  let spawned = false;
  let tail = '';

  return {
    mark,
    spawn(options) {
      const env = { ...options.env, [RUN_MARK_VARIABLE]: mark };
      const started = wrap ? wrap(options.command, options.args, env) : options;
      const child = spawn(started.command, [...started.args], {
        cwd: options.cwd,
        env,
        signal: options.signal,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
        detached: ownGroup,
      });
      spawned = true;
      if (child.pid !== undefined) processOptions.onSpawn?.({ pid: child.pid, mark });
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        tail = (tail + chunk).slice(-STDERR_TAIL_BYTES);
      });
      drained.set(
        child,
        new Promise<void>((resolve) => {
          if (!child.stderr) return resolve();
          child.stderr.once('close', resolve);
          child.stderr.once('error', () => resolve());
        }),
      );
      // An abort (the SDK's forwarded signal) surfaces as an 'error' event: it is not ours to report.
      child.on('error', () => undefined);
      const exited = new Promise<void>((resolve) => {
        const done = () => {
          running.delete(child);
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        // A process that never started emits 'error' and no 'exit'.
        child.once('error', () => {
          if (child.pid === undefined) done();
        });
      });
      running.set(child, exited);
      return child;
    },

    async settled(graceMs = DEFAULT_EXIT_GRACE_MS) {
      await Promise.all(
        [...running].map(async ([child, exited]) => {
          let timer: NodeJS.Timeout | undefined;
          const killed = new Promise<void>((resolve) => {
            timer = setTimeout(() => {
              kill(child, ownGroup);
              resolve();
            }, graceMs);
          });
          await Promise.race([exited, killed]);
          clearTimeout(timer);
          await exited;
          // What it wrote last, unless something it started still holds the pipe open.
          let late: NodeJS.Timeout | undefined;
          await Promise.race([
            drained.get(child),
            new Promise<void>((resolve) => {
              late = setTimeout(resolve, STDERR_DRAIN_MS);
            }),
          ]);
          clearTimeout(late);
          drained.delete(child);
        }),
      );
      const here = ownGroup && spawned ? thisHost() : undefined;
      if (here) await endLeftovers({ host: here, list: [], mark }, { here });
    },

    stderrTail: () => tail.trim(),
  };
}

/** SIGKILL to the runtime, or to its whole process group when it leads one. */
function kill(child: ChildProcess, group: boolean): void {
  if (group && child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
      return;
    } catch {
      // The group is gone: the runtime alone is left to kill, if anything.
    }
  }
  child.kill('SIGKILL');
}

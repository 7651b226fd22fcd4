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
 * Spawning here loses the SDK's own stderr capture (its exit errors quote the runtime's stderr),
 * so the last few kilobytes of stderr are kept for the run's error detail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { SpawnedProcess, SpawnOptions } from '@anthropic-ai/claude-agent-sdk';

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
}

/** Turns the runtime's command into the one that starts it in the run's sandbox. */
export type Wrap = (command: string, args: readonly string[], env: Readonly<Record<string, string | undefined>>) => { readonly command: string; readonly args: readonly string[] };

export function createRuntimeProcesses(wrap?: Wrap): RuntimeProcesses {
  const running = new Map<ChildProcess, Promise<void>>();
  let tail = '';

  return {
    spawn(options) {
      const started = wrap ? wrap(options.command, options.args, options.env) : options;
      const child = spawn(started.command, [...started.args], {
        cwd: options.cwd,
        env: options.env,
        signal: options.signal,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        tail = (tail + chunk).slice(-STDERR_TAIL_BYTES);
      });
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
              child.kill('SIGKILL');
              resolve();
            }, graceMs);
          });
          await Promise.race([exited, killed]);
          clearTimeout(timer);
          await exited;
        }),
      );
    },

    stderrTail: () => tail.trim(),
  };
}

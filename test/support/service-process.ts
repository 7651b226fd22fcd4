/**
 * The service as a user runs it: `bin/claude-hooks.js serve` in a child process, with a
 * temporary data dir, stdout and stderr collected for assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../bench/lib/child-server.js';
import { until } from './wait.js';

export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(PROJECT_ROOT, 'bin', 'claude-hooks.js');

export interface ServiceProcess {
  readonly url: string;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code. */
  exited(): Promise<number | null>;
  /** SIGKILLs the process if it still runs and waits for it: for `t.after`, so a failing test leaves nothing behind. */
  stop(): Promise<void>;
}

export async function spawnService(options: {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  args?: string[];
  cwd?: string;
}): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', ...(options.args ?? [])], {
    cwd: options.cwd ?? options.dataDir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CLAUDE_HOOKS_PORT: String(port),
      CLAUDE_HOOKS_DATA_DIR: options.dataDir,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exit;
  };
  try {
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}: ${err}`);
        return fetch(`${url}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
      },
      'the service to listen',
      30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, child, stdout: () => out, stderr: () => err, exited: () => exit, stop };
}

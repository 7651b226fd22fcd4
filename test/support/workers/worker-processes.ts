/**
 * Worker processes for multi-worker flow tests: each its own data dir and config (store on one
 * PostgreSQL schema), started in its own process group so that a kill takes its children (the
 * Claude runtime) with it, and killed in `stopAll` even when a test fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../service-process.js';
import { until } from '../wait.js';

export interface WorkerProcess {
  readonly name: string;
  readonly url: string;
  readonly id: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGKILL to the whole process group: the worker and every process it started. */
  kill(): Promise<void>;
}

export interface WorkerSpec {
  readonly name: string;
  /** The config file's text, given the worker's data dir. */
  readonly yaml: (dataDir: string) => string;
  readonly env: NodeJS.ProcessEnv;
  /** The command line after `node --import tsx`: a script and its arguments, given the config path. */
  readonly argv: (configPath: string) => string[];
  /** The line that says it listens: `LISTENING <url> <id>`, or the URL file for `serve`. */
  readonly ready: (output: string, dataDir: string) => { url: string; id: string } | undefined;
}

export function createWorkerProcesses(root: string) {
  const started: WorkerProcess[] = [];
  return {
    started,
    async start(spec: WorkerSpec): Promise<WorkerProcess> {
      const dataDir = join(root, spec.name);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const configPath = join(dataDir, 'claude-hooks.yaml');
      writeFileSync(configPath, spec.yaml(dataDir));
      const child = spawn(process.execPath, ['--import', 'tsx', ...spec.argv(configPath)], {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH, HOME: dataDir, ...spec.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const kill = async () => {
        if (child.exitCode === null && child.signalCode === null) {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        }
        await exited;
      };
      const handle = { name: spec.name, dataDir, child, output: () => output, kill };
      started.push(handle as WorkerProcess);
      const ready = await until(
        () => {
          if (child.exitCode !== null) throw new Error(`worker ${spec.name} exited with ${child.exitCode}:\n${output}`);
          return spec.ready(output, dataDir);
        },
        `worker ${spec.name} to listen`,
        60_000,
      );
      Object.assign(handle, ready);
      return handle as WorkerProcess;
    },
    async stopAll(): Promise<void> {
      await Promise.all(started.map((worker) => worker.kill()));
    },
  };
}

/** `LISTENING <url> <id>` as `test/support/worker-child.ts` prints it. */
export function listeningLine(output: string): { url: string; id: string } | undefined {
  const match = /^LISTENING (\S+) (\S+)$/m.exec(output);
  return match ? { url: match[1]!, id: match[2]! } : undefined;
}

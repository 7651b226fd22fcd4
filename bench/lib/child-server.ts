/** Starts a server in a child process (so the load generator does not share its core) and waits for its URL. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface ChildServer {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns `command args`, waits until `GET <url>/healthz`-style `ready(url)` answers, then resolves. */
export async function startChild(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  url: string,
  readyPath: string,
): Promise<ChildServer> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${url}${readyPath}`);
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL'); // never leave a server that did not come up running behind the benchmark
      throw new Error(`${command} was not ready within 30 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface ServedService {
  readonly server: ChildServer;
  readonly dataDir: string;
}

/**
 * `claude-hooks serve` in a child process on a free port, with a fresh data dir under the system's
 * temporary folder (`prefix`), the config file `configYaml` written into it (none: the embedded
 * defaults), the webhook secret and `env` on top of this process's environment. The data dir is
 * the caller's to remove once the server is stopped; it is removed here if the start fails.
 */
export async function serveInTempDir(options: {
  readonly prefix: string;
  readonly webhookSecret: string;
  readonly configYaml?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly logLevel?: string;
}): Promise<ServedService> {
  const dataDir = mkdtempSync(join(tmpdir(), options.prefix));
  let config = '';
  if (options.configYaml !== undefined) {
    config = join(dataDir, 'claude-hooks.yaml');
    writeFileSync(config, options.configYaml);
  }
  const port = await freePort();
  const env = {
    ...process.env,
    ...options.env,
    CLAUDE_HOOKS_CONFIG: config,
    CLAUDE_HOOKS_PORT: String(port),
    CLAUDE_HOOKS_DATA_DIR: dataDir,
    CLAUDE_HOOKS_WEBHOOK_SECRET: options.webhookSecret,
    CLAUDE_HOOKS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? options.logLevel ?? 'warn',
  };
  try {
    const server = await startChild(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve'],
      env,
      `http://127.0.0.1:${port}`,
      '/healthz',
    );
    return { server, dataDir };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

import assert from 'node:assert/strict';
/**
 * `npm start` as an operator (or a process supervisor) runs it: SIGTERM to npm — the process-group
 * leader — must stop the service, not orphan it (npm and sh used to die, node kept serving).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from '../../bench/lib/child-server.js';
import { PROJECT_ROOT } from '../support/service-process.js';
import { until } from '../support/wait.js';

const answers = (url: string) =>
  fetch(url).then(
    (r) => r.ok,
    () => false,
  );

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `npm start` in a process group of its own, as under a terminal, with its output kept. */
function npmStart(port: number, dataDir: string) {
  const config = join(dataDir, 'empty.yaml');
  writeFileSync(config, '');
  const npm = spawn('npm', ['start', '--silent'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      CLAUDE_HOOKS_CONFIG: config,
      CLAUDE_HOOKS_DATA_DIR: dataDir,
      CLAUDE_HOOKS_PORT: String(port),
      CLAUDE_HOOKS_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { npm, output: () => output };
}

describe('npm start', () => {
  it('drains and stops on one Ctrl-C, which reaches the service twice (from the terminal and from npm)', async () => {
    const port = await freePort();
    const { npm, output } = npmStart(port, mkdtempSync(join(tmpdir(), 'claude-hooks-npm-start-')));
    const exited = once(npm, 'exit');
    try {
      await until(() => answers(`http://127.0.0.1:${port}/healthz`), 'npm start to serve', 60_000);

      process.kill(-npm.pid!, 'SIGINT'); // what a terminal does on Ctrl-C: the whole foreground group
      await exited;
      await until(() => !groupAlive(npm.pid!), 'the whole process group to end', 30_000);

      assert.match(output(), /"msg":"stopped"/, output());
      assert.doesNotMatch(output(), /second signal/);
    } finally {
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('stops the service, port closed, when npm receives SIGTERM', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-npm-start-'));
    // An empty config of its own: npm runs the script in the project root, where a developer's claude-hooks.yaml may be.
    const config = join(dataDir, 'empty.yaml');
    writeFileSync(config, '');
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        CLAUDE_HOOKS_CONFIG: config,
        CLAUDE_HOOKS_DATA_DIR: dataDir,
        CLAUDE_HOOKS_PORT: String(port),
        CLAUDE_HOOKS_LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
      detached: true, // its own process group, npm the leader, as under a terminal or a supervisor
    });
    const exited = once(npm, 'exit');
    const healthz = `http://127.0.0.1:${port}/healthz`;
    try {
      await until(() => answers(healthz), 'npm start to serve', 60_000);

      npm.kill('SIGTERM');
      await until(async () => !(await answers(healthz)), 'the port to close', 30_000);
      await exited;

      await until(() => !groupAlive(npm.pid!), 'the whole process group to end', 30_000);
    } finally {
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
});

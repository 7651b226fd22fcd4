/** The demo stopped mid-story (its own file: each case starts the whole demo, slow on a busy machine). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { until } from '../support/wait.js';

const root = join(import.meta.dirname, '..', '..');
const demo = join(root, 'demo', 'run.ts');

/** What the demo made under its TMPDIR (tsx keeps its compile cache there too: not the demo's). */
const demoFolders = (dir: string) => readdirSync(dir).filter((name) => !name.startsWith('tsx-'));

describe('npm run demo, stopped by a signal', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`removes its temporary folders on ${signal} in the middle of the story`, async () => {
      const temp = mkdtempSync(join(tmpdir(), 'claude-hooks-demo-test-'));
      const child = spawn(process.execPath, ['--import', 'tsx', demo], {
        cwd: root,
        env: { ...process.env, TMPDIR: temp },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = once(child, 'exit');
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
      try {
        await until(() => /^1\. /m.test(out), 'the story to begin', 60_000);
        const during = demoFolders(temp);

        child.kill(signal);
        const [code] = await exited;

        assert.ok(during.length > 0, 'the demo made its folders under TMPDIR');
        assert.equal(
          code,
          signal === 'SIGINT' ? 130 : 143,
          `the demo exited with ${code}; its output:\n${out.slice(-2000)}\n${err.slice(-4000)}`,
        );
        assert.deepEqual(demoFolders(temp), []);
      } finally {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await exited;
        }
      }
    });
  }
});

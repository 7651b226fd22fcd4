import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { until } from '../support/wait.js';

const root = join(import.meta.dirname, '..', '..');
const demo = join(root, 'demo', 'run.ts');

describe('npm run demo', { timeout: 300_000 }, () => {
  it('plays the whole story with --once and exits 0 only when every step happened', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', demo, '--once'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 240_000,
    });

    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /✓ all \d+ steps happened/);
    assert.doesNotMatch(result.stdout, /✗/);
  });

  it('names the dashboard and the admin token to sign in with once the story is told, and the two sign in', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', demo], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(child, 'exit');
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    try {
      await until(() => out.includes('Ctrl-C stops everything'), 'the look-around list', 240_000);
      const dashboard =
        /^ {2}dashboard {4}(http:\/\/127\.0\.0\.1:\d+\/) {2}\(open it in a browser and sign in with the admin token\)$/m.exec(
          out,
        )?.[1];
      const token =
        /^ {2}admin token {2}(\S+) {2}\(the demo service's adminToken, fixed in test\/support\/flow\.ts/m.exec(
          out,
        )?.[1];
      assert.ok(dashboard && token, `the list names the dashboard and the token:\n${out.slice(-1500)}`);

      const signIn = await fetch(new URL('dashboard/sign-in', dashboard), {
        method: 'POST',
        body: new URLSearchParams({ token }),
        redirect: 'manual',
      });
      const page = await fetch(dashboard, {
        headers: { cookie: signIn.headers.get('set-cookie')?.split(';')[0] ?? '' },
      });

      assert.equal(signIn.status, 303, 'the printed token signs in');
      assert.equal(page.status, 200);
      assert.match(
        await page.text(),
        /<h1>claude-hooks<\/h1>[\s\S]*Sign out/,
        'the dashboard itself, not the sign-in form',
      );
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  });

  it('prints its usage for --help, and refuses an unknown option with it', () => {
    const help = spawnSync(process.execPath, ['--import', 'tsx', demo, '--help'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const unknown = spawnSync(process.execPath, ['--import', 'tsx', demo, '--nope'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });

    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^usage: npm run demo/);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown option '--nope'[\s\S]*usage: npm run demo/);
    assert.doesNotMatch(unknown.stderr, /at .*\.ts:\d+/, 'no stack trace');
  });
});

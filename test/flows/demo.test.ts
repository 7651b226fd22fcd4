import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const demo = join(root, 'demo', 'run.ts');

describe('npm run demo', { timeout: 300_000 }, () => {
  it('plays the whole story with --once and exits 0 only when every step happened', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', demo, '--once'], { cwd: root, encoding: 'utf8', timeout: 240_000 });

    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /✓ all \d+ steps happened/);
    assert.doesNotMatch(result.stdout, /✗/);
  });

  it('prints its usage for --help, and refuses an unknown option with it', () => {
    const help = spawnSync(process.execPath, ['--import', 'tsx', demo, '--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const unknown = spawnSync(process.execPath, ['--import', 'tsx', demo, '--nope'], { cwd: root, encoding: 'utf8', timeout: 60_000 });

    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^usage: npm run demo/);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown option '--nope'[\s\S]*usage: npm run demo/);
    assert.doesNotMatch(unknown.stderr, /at .*\.ts:\d+/, 'no stack trace');
  });
});

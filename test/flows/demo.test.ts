import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..');

describe('npm run demo -- --once', () => {
  it('plays the whole story and exits 0 only when every step happened', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'demo', 'run.ts'), '--once'], { cwd: root, encoding: 'utf8', timeout: 120_000 });

    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /✓ all \d+ steps happened/);
    assert.doesNotMatch(result.stdout, /✗/);
  });
});

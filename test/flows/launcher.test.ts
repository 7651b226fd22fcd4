/** `bin/claude-hooks.js`: the compiled service when `npm run build` made it and it is current, else the sources. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, PROJECT_ROOT } from '../support/service-process.js';

/** A project folder with the real launcher, a `dist/` and a `src/` whose entry points say which ran. */
function project(): { root: string; run(): string; age(path: string, secondsAgo: number): void } {
  const root = mkdtempSync(join(tmpdir(), 'claude-hooks-launcher-'));
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  copyFileSync(CLI, join(root, 'bin', 'claude-hooks.js'));
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(root, 'dist', 'cli', 'main.js'), "process.stdout.write('dist');\n");
  writeFileSync(join(root, 'src', 'cli', 'main.ts'), "const from: string = 'src';\nprocess.stdout.write(from);\n");
  return {
    root,
    run: () =>
      spawnSync(process.execPath, [join(root, 'bin', 'claude-hooks.js')], { encoding: 'utf8', timeout: 60_000 }).stdout,
    age: (path, secondsAgo) => {
      const when = new Date(Date.now() - secondsAgo * 1000);
      utimesSync(join(root, path), when, when);
    },
  };
}

describe('the claude-hooks launcher', () => {
  it('runs dist/ when it is newer than every source file', () => {
    const p = project();
    p.age('src/cli/main.ts', 60);

    assert.equal(p.run(), 'dist');
  });

  it('runs the sources through tsx when a source file changed after the build', () => {
    const p = project();
    p.age('dist/cli/main.js', 60);

    assert.equal(p.run(), 'src');
  });
});

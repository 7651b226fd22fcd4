import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './load-config.js';

function load(yaml?: string) {
  const cwd = mkdtempSync(join(tmpdir(), 'claude-hooks-time-limits-'));
  if (yaml !== undefined) writeFileSync(join(cwd, 'claude-hooks.yaml'), yaml);
  return loadConfig({ env: {}, cwd });
}

describe('config: time limits on git and the forge', () => {
  it('bounds git, the repository lock wait and forge calls by default', () => {
    const loaded = load();

    assert.ok(loaded.ok);
    assert.equal(loaded.value.workdir.gitIdleTimeoutSeconds, 60);
    assert.equal(loaded.value.workdir.gitTimeoutMinutes, 10);
    assert.equal(loaded.value.workdir.lockWaitSeconds, 120);
    assert.equal(loaded.value.forge.requestTimeoutSeconds, 30);
  });

  it('takes each limit from the file', () => {
    const loaded = load(
      'workdir: { gitIdleTimeoutSeconds: 20, gitTimeoutMinutes: 30, lockWaitSeconds: 45 }\nforge: { requestTimeoutSeconds: 10 }\n',
    );

    assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error));
    assert.deepEqual(
      [
        loaded.value.workdir.gitIdleTimeoutSeconds,
        loaded.value.workdir.gitTimeoutMinutes,
        loaded.value.workdir.lockWaitSeconds,
        loaded.value.forge.requestTimeoutSeconds,
      ],
      [20, 30, 45, 10],
    );
  });

  for (const [key, yaml] of [
    ['workdir.gitIdleTimeoutSeconds', 'workdir: { gitIdleTimeoutSeconds: 0 }'],
    ['workdir.gitTimeoutMinutes', 'workdir: { gitTimeoutMinutes: -1 }'],
    ['workdir.lockWaitSeconds', 'workdir: { lockWaitSeconds: 0 }'],
    ['forge.requestTimeoutSeconds', 'forge: { requestTimeoutSeconds: 0 }'],
  ] as const) {
    it(`refuses a ${key} that is not positive, naming the key`, () => {
      const loaded = load(`${yaml}\n`);

      assert.equal(loaded.ok, false);
      assert.ok(
        !loaded.ok && loaded.error.some((problem) => problem.key === key),
        JSON.stringify(!loaded.ok && loaded.error),
      );
    });
  }
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from './data-dir-lock.js';

const temp = () => mkdtempSync(join(tmpdir(), 'claude-hooks-lock-'));

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('lockDataDir', () => {
  it('writes its pid to the lock file and removes it on release', () => {
    const dataDir = temp();

    const lock = lockDataDir(dataDir);
    const content = readFileSync(join(dataDir, LOCK_FILE), 'utf8');
    lock.release();

    assert.equal(content, `${process.pid}\n`);
    assert.equal(existsSync(join(dataDir, LOCK_FILE)), false);
  });

  it('refuses a second lock while the holder runs, naming its pid and the file', () => {
    const dataDir = temp();
    const first = lockDataDir(dataDir);

    assert.throws(
      () => lockDataDir(dataDir, { pid: process.pid + 1 }),
      (error: unknown) =>
        error instanceof DataDirLockedError &&
        error.pid === process.pid &&
        error.message.includes(`pid ${process.pid}`) &&
        error.message.includes(join(dataDir, LOCK_FILE)),
    );
    first.release();
  });

  it('takes over a lock file whose process is gone', () => {
    const dataDir = temp();
    writeFileSync(join(dataDir, LOCK_FILE), `${deadPid()}\n`);

    const lock = lockDataDir(dataDir);

    assert.equal(readFileSync(join(dataDir, LOCK_FILE), 'utf8'), `${process.pid}\n`);
    lock.release();
  });

  it('takes over a lock file that holds no pid', () => {
    const dataDir = temp();
    writeFileSync(join(dataDir, LOCK_FILE), '');

    const lock = lockDataDir(dataDir);

    assert.equal(readFileSync(join(dataDir, LOCK_FILE), 'utf8'), `${process.pid}\n`);
    lock.release();
  });

  it('leaves a lock file that another process took over alone on release', () => {
    const dataDir = temp();
    const lock = lockDataDir(dataDir);
    writeFileSync(join(dataDir, LOCK_FILE), '1\n');

    lock.release();

    assert.equal(readFileSync(join(dataDir, LOCK_FILE), 'utf8'), '1\n');
  });
});

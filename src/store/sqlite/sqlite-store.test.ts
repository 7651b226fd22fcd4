import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { systemClock } from '../../lib/clock.js';
import { openSqliteStore } from './sqlite-store.js';
import { MIGRATIONS } from './migrations.js';

const temp = () => mkdtempSync(join(tmpdir(), 'claude-hooks-store-'));

describe('the SQLite store', () => {
  it('does not keep the process alive when a caller forgets to close it', () => {
    const script = `import { openSqliteStore } from ${JSON.stringify(join(import.meta.dirname, 'sqlite-store.ts'))};
      openSqliteStore({ dataDir: ${JSON.stringify(temp())}, clock: { now: () => Date.now() }, dedupWindowMs: 0 });`;

    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 20_000 });

    assert.equal(result.signal, null, 'the process exited by itself');
    assert.equal(result.status, 0, result.stderr?.toString());
  });

  it('commits a group of writes before resolving any of them, and isolates a failing one', async () => {
    const dataDir = temp();
    const store = openSqliteStore({ dataDir, clock: systemClock, dedupWindowMs: 0 });
    store.db.exec('CREATE TABLE t (n INTEGER NOT NULL)');
    const insert = store.db.prepare('INSERT INTO t (n) VALUES (?)');

    const results = await Promise.allSettled([store.committer.submit(() => insert.run(1)), store.committer.submit(() => insert.run(null)), store.committer.submit(() => insert.run(3))]);
    const other = new Database(store.file, { readonly: true });
    const rows = other.prepare('SELECT n FROM t ORDER BY n').all();
    other.close();

    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(rows, [{ n: 1 }, { n: 3 }]);
    await store.close();
  });

  it('migrates a new database to the latest schema and refuses one from a newer release', async () => {
    const dataDir = temp();
    const store = openSqliteStore({ dataDir, clock: systemClock, dedupWindowMs: 0 });
    const version = store.db.pragma('user_version', { simple: true });
    store.db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    await store.close();

    assert.equal(version, MIGRATIONS.length);
    assert.throws(() => openSqliteStore({ dataDir, clock: systemClock, dedupWindowMs: 0 }), /newer than this release knows/);
  });
});

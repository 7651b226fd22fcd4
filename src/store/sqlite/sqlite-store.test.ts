import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { watchedPull } from '../../../test/support/watched-pull.js';
import { systemClock } from '../../lib/clock.js';
import { DATABASE_FILE, openSqliteStore, sqliteInternals } from './sqlite-store.js';
import { MIGRATIONS } from './migrations.js';

const temp = () => mkdtempSync(join(tmpdir(), 'claude-hooks-store-'));

describe('the SQLite store', () => {
  it('does not keep the process alive when a caller forgets to close it', () => {
    const script = `import { openSqliteStore } from ${JSON.stringify(join(import.meta.dirname, 'sqlite-store.ts'))};
      openSqliteStore({ dataDir: ${JSON.stringify(temp())}, clock: { now: () => Date.now() }, dedupWindowMs: 0 });`;

    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      timeout: 20_000,
    });

    assert.equal(result.signal, null, 'the process exited by itself');
    assert.equal(result.status, 0, result.stderr?.toString());
  });

  it('commits a group of writes before resolving any of them, and isolates a failing one', async () => {
    const dataDir = temp();
    const store = openSqliteStore({ dataDir, clock: systemClock, dedupWindowMs: 0 });
    const { db, committer, file } = sqliteInternals(store);
    db.exec('CREATE TABLE t (n INTEGER NOT NULL)');
    const insert = db.prepare('INSERT INTO t (n) VALUES (?)');

    const results = await Promise.allSettled([
      committer.submit(() => insert.run(1)),
      committer.submit(() => insert.run(null)),
      committer.submit(() => insert.run(3)),
    ]);
    const other = new Database(file, { readonly: true });
    const rows = other.prepare('SELECT n FROM t ORDER BY n').all();
    other.close();

    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(rows, [{ n: 1 }, { n: 3 }]);
    await store.close();
  });

  it('migrates a new database to the latest schema and refuses one from a newer release', async () => {
    const dataDir = temp();
    const store = openSqliteStore({ dataDir, clock: systemClock, dedupWindowMs: 0 });
    const { db } = sqliteInternals(store);
    const version = db.pragma('user_version', { simple: true });
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    await store.close();

    assert.equal(version, MIGRATIONS.length);
    assert.throws(
      () => openSqliteStore({ dataDir, clock: systemClock, dedupWindowMs: 0 }),
      /newer than this release knows/,
    );
  });

  it('upgrades a database from before runs were sandboxed: its runs keep what they had and read isolation and blocked as undefined', async () => {
    const dataDir = temp();
    const old = new Database(join(dataDir, DATABASE_FILE));
    for (const migration of MIGRATIONS.slice(0, 8)) old.exec(migration);
    old.pragma('user_version = 8');
    old
      .prepare(
        `INSERT INTO runs (id, job_id, agent, repo, issue, attempt, started_at, finished_at, session, turns, tokens, cost_usd, outcome, tool_calls, changes)
       VALUES (1, 3, 'dev', 'forge.test/acme/widget', 7, 1, 1000, 4000, 'new', 2, '{"input":1,"output":2,"cacheRead":0,"cacheCreation":0}', 0.5, 'succeeded', '[]', '[]')`,
      )
      .run();
    old.close();

    const store = openSqliteStore({ dataDir, clock: systemClock, dedupWindowMs: 0 });
    const run = await store.runs.get(1);
    await store.close();

    assert.deepEqual(
      [run?.outcome, run?.costUsd, run?.durationMs, run?.isolation, run?.blocked],
      ['succeeded', 0.5, 3000, undefined, undefined],
    );
  });

  it('upgrades a database from before pull requests were watched, and then keeps a watched PR', async () => {
    const dataDir = temp();
    const old = new Database(join(dataDir, DATABASE_FILE));
    for (const migration of MIGRATIONS.slice(0, 11)) old.exec(migration);
    old.pragma('user_version = 11');
    old.close();

    const store = openSqliteStore({ dataDir, clock: systemClock, dedupWindowMs: 0 });
    const version = sqliteInternals(store).db.pragma('user_version', { simple: true });
    const pull = watchedPull(8);
    await store.pulls.saveWatched(pull);
    const read = await store.pulls.getWatched(pull.repo, pull.number);
    await store.close();

    assert.equal(version, MIGRATIONS.length);
    assert.deepEqual(read, pull);
  });

  it("looks watched PRs up by repository and head through an index: a result for an old head reads no table's worth of rows", async () => {
    const store = openSqliteStore({ dataDir: temp(), clock: systemClock, dedupWindowMs: 0 });
    const { db } = sqliteInternals(store);

    const plan = db
      .prepare<[string, string], { detail: string }>(
        'EXPLAIN QUERY PLAN SELECT record FROM watched_pulls WHERE repo = ? AND head_sha = ?',
      )
      .all('forge.test/acme/widget', 'a'.repeat(40));
    await store.close();

    assert.deepEqual(
      plan.map((step) => step.detail),
      ['SEARCH watched_pulls USING INDEX watched_pulls_head (repo=? AND head_sha=?)'],
    );
  });

  it('keeps the database, its WAL and SHM readable by their owner only, in a dir made 0700', async () => {
    const dataDir = join(temp(), 'data');
    const store = openSqliteStore({ dataDir, clock: systemClock, dedupWindowMs: 0 });
    const { db, committer } = sqliteInternals(store);
    await committer.submit(() => db.exec('CREATE TABLE t (n INTEGER)'));

    const modes = Object.fromEntries(
      readdirSync(dataDir).map((name) => [name, statSync(join(dataDir, name)).mode & 0o777]),
    );
    await store.close();

    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.deepEqual(modes, {
      'claude-hooks.sqlite': 0o600,
      'claude-hooks.sqlite-wal': 0o600,
      'claude-hooks.sqlite-shm': 0o600,
    });
  });

  it('tightens a database and WAL that an older release left readable by everyone', async () => {
    const dataDir = temp();
    await openSqliteStore({ dataDir, clock: systemClock, dedupWindowMs: 0 }).close();
    const file = join(dataDir, 'claude-hooks.sqlite');
    chmodSync(file, 0o644);
    writeFileSync(`${file}-wal`, '', { mode: 0o644 });
    chmodSync(`${file}-wal`, 0o644);

    const store = openSqliteStore({ dataDir, clock: systemClock, dedupWindowMs: 0 });
    const modes = [statSync(file).mode & 0o777, statSync(`${file}-wal`).mode & 0o777];
    await store.close();

    assert.deepEqual(modes, [0o600, 0o600]);
  });
});

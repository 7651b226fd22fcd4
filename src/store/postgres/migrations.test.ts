import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, describe, it } from 'node:test';
import { watchedPull } from '../../../test/support/watched-pull.js';
import { dropSchema, freshSchemaName, postgresSkip, TEST_DATABASE_URL } from '../../../test/support/postgres.js';
import { manualClock } from '../../lib/clock.js';
import { Secret } from '../../lib/secret.js';
import { openStore } from '../open-store.js';
import { migratePostgres } from './migrate.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { createPool } from './pool.js';

/** The last migration before runs recorded their isolation. */
const BEFORE_ISOLATION = 3;
/** The last migration before pull requests were watched. */
const BEFORE_WATCHED_PULLS = 6;

const config = {
  kind: 'postgres',
  url: new Secret(TEST_DATABASE_URL ?? ''),
  maxConnections: 2,
  affinityWaitMs: 30_000,
  leaseSeconds: 30,
} as const;

describe('the PostgreSQL schema', { skip: postgresSkip() }, () => {
  const schemas: string[] = [];
  after(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  it('upgrades a database from before runs were sandboxed: its runs keep what they had and read isolation and blocked as undefined', async () => {
    const schema = freshSchemaName('upgrade');
    schemas.push(schema);
    const pool = createPool({ url: TEST_DATABASE_URL!, schema, max: 1 });
    try {
      await migratePostgres(pool, schema, POSTGRES_MIGRATIONS.slice(0, BEFORE_ISOLATION));
      await pool.query(
        `INSERT INTO runs (id, job_id, agent, repo, issue, attempt, started_at, finished_at, session, turns, tokens, cost_usd, outcome, tool_calls, changes)
         OVERRIDING SYSTEM VALUE
         VALUES (1, 3, 'dev', 'forge.test/acme/widget', 7, 1, 1000, 4000, 'new', 2, '{"input":1,"output":2,"cacheRead":0,"cacheCreation":0}', 0.5, 'succeeded', '[]', '[]')`,
      );
    } finally {
      await pool.end();
    }

    const store = await openStore(config, { dataDir: tmpdir(), schema, clock: manualClock(), dedupWindowMs: 0 });
    const run = await store.runs.get(1);
    await store.close();

    assert.deepEqual(
      [run?.outcome, run?.costUsd, run?.durationMs, run?.isolation, run?.blocked],
      ['succeeded', 0.5, 3000, undefined, undefined],
    );
  });

  it('upgrades a database from before pull requests were watched, and then keeps a watched PR', async () => {
    const schema = freshSchemaName('upgrade');
    schemas.push(schema);
    const pool = createPool({ url: TEST_DATABASE_URL!, schema, max: 1 });
    try {
      await migratePostgres(pool, schema, POSTGRES_MIGRATIONS.slice(0, BEFORE_WATCHED_PULLS));
    } finally {
      await pool.end();
    }
    const pull = watchedPull(8);

    const store = await openStore(config, { dataDir: tmpdir(), schema, clock: manualClock(), dedupWindowMs: 0 });
    await store.pulls.saveWatched(pull);
    const read = await store.pulls.watchedByHead(pull.repo, pull.headSha);
    await store.close();

    assert.deepEqual(read, [pull]);
  });
});

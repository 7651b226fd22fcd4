/**
 * `/readyz`'s database check on PostgreSQL while the database stalls: it answers
 * within its own deadline, far shorter than the pool's timeouts, and probes once at a time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postgresSkip, TEST_DATABASE_URL } from '../../../test/support/postgres.js';
import { startTcpFaultProxy, type TcpFaultProxy } from '../../../test/support/tcp-fault-proxy.js';
import { until } from '../../../test/support/wait.js';
import { createPool, type Pool } from './pool.js';
import { createPgReadiness } from './readiness.js';

describe('the PostgreSQL readiness check', { skip: postgresSkip() }, () => {
  let proxy: TcpFaultProxy;
  let pool: Pool;

  before(async () => {
    const target = new URL(TEST_DATABASE_URL ?? 'postgres://unset');
    proxy = await startTcpFaultProxy({ host: target.hostname, port: Number(target.port || 5432) });
    // Timeouts far longer than the check's deadline: the deadline alone makes it answer.
    pool = createPool({
      url: proxy.via(TEST_DATABASE_URL!),
      max: 4,
      timeouts: { connectTimeoutMs: 20_000, statementTimeoutMs: 20_000 },
    });
  });
  after(async () => {
    proxy.resume();
    await pool.end();
    await proxy.close();
  });

  it('says the database takes writes when it does', async () => {
    const readiness = createPgReadiness(pool, { location: 'db.test', timeoutMs: 300 });

    assert.deepEqual(await readiness.run(), { ok: true, detail: 'PostgreSQL takes writes', internal: 'db.test' });
  });

  it('says the database did not answer within its deadline while it stalls, asking it once however often it is asked', async () => {
    const readiness = createPgReadiness(pool, { location: 'db.test', timeoutMs: 300 });
    proxy.stall();

    const results = await Promise.all([readiness.run(), readiness.run(), readiness.run()]);

    for (const result of results) {
      assert.equal(result.ok, false);
      assert.equal(result.detail, 'PostgreSQL did not answer within 0.3 s', "the check's own deadline ended the wait");
    }
    assert.equal(pool.totalCount, 1, 'one probe on one connection, not one per request');

    proxy.resume();
    await until(async () => (await readiness.run()).ok, 'the check to pass once the database answers', 5_000);
  });
});

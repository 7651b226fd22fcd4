/**
 * The pool when connections fail: through a proxy that resets or stalls them. A
 * failure the pool did not hear would be thrown as an `error` event and kill the test runner.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { postgresSkip, TEST_DATABASE_URL } from '../../../test/support/postgres.js';
import { startTcpFaultProxy, type TcpFaultProxy } from '../../../test/support/tcp-fault-proxy.js';
import { until } from '../../../test/support/wait.js';
import { isConnectionFault } from './connection-settings.js';
import { reconnectDelay } from './notifications.js';
import { createPool, inTransaction, type Pool } from './pool.js';

describe('the PostgreSQL pool', { skip: postgresSkip() }, () => {
  let proxy: TcpFaultProxy;
  let pool: Pool;
  let reported: Error[];

  before(async () => {
    const target = new URL(TEST_DATABASE_URL ?? 'postgres://unset');
    proxy = await startTcpFaultProxy({ host: target.hostname, port: Number(target.port || 5432) });
  });
  after(async () => {
    await proxy.close();
  });

  const open = () => {
    reported = [];
    pool = createPool({
      url: proxy.via(TEST_DATABASE_URL!),
      max: 2,
      timeouts: { connectTimeoutMs: 500, statementTimeoutMs: 500 },
      onError: (error) => reported.push(error),
    });
  };
  afterEach(async () => {
    proxy.resume();
    await pool.end();
  });

  it('reports, and does not throw, the failure of a connection checked out between two queries', async () => {
    open();
    const client = await pool.connect();
    await client.query('SELECT 1');

    proxy.reset();
    await until(() => reported.length > 0, 'the failure to be reported');

    assert.ok(isConnectionFault(reported[0]), reported[0]?.message);
    await assert.rejects(client.query('SELECT 1'));
    client.release(true);
    assert.deepEqual((await pool.query<{ one: number }>('SELECT 1 AS one')).rows, [{ one: 1 }]);
  });

  it('reports the failure of an idle connection once, and answers the next query on a new one', async () => {
    open();
    await Promise.all([pool.query('SELECT pg_sleep(0.05)'), pool.query('SELECT pg_sleep(0.05)')]);

    proxy.reset();
    await until(() => reported.length >= 2, 'both idle connections to be reported');
    await new Promise((resolve) => setImmediate(resolve));

    assert.equal(reported.length, 2, 'each failure once, though both the pool and the connection heard it');
    assert.deepEqual((await pool.query<{ one: number }>('SELECT 1 AS one')).rows, [{ one: 1 }]);
  });

  it('fails a transaction whose statement gets no answer within the timeouts, without a second wait for ROLLBACK, and drops its connection', async () => {
    open();
    await pool.query('SELECT 1');

    const sent: string[] = [];
    pool.on('acquire', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        if (typeof args[0] === 'string') sent.push(args[0]);
        return query(...args);
      };
    });
    proxy.stall();
    await assert.rejects(
      inTransaction(pool, (client) => client.query('SELECT 1')),
      (error: Error) => isConnectionFault(error),
    );
    proxy.resume();

    // One statement's wait, not a second one for a ROLLBACK the silent connection would not answer either.
    assert.equal(sent[0], 'BEGIN');
    assert.ok(!sent.includes('ROLLBACK'), `sent ${sent.join(', ')}`);
    assert.equal(pool.totalCount, 0, 'the connection that got no answer is not reused');
    assert.deepEqual(
      await inTransaction(pool, async (client) => (await client.query<{ one: number }>('SELECT 1 AS one')).rows),
      [{ one: 1 }],
    );
  });

  it('gives up opening a connection after the connect timeout when the database does not answer', async () => {
    open();
    proxy.stall();

    await assert.rejects(pool.query('SELECT 1'), (error: Error) => {
      assert.ok(isConnectionFault(error));
      assert.match(error.message, /timeout/i, 'the connect timeout ended the wait');
      return true;
    });
  });

  it('keeps a connection whose statement failed on its own (a statement timeout): it rolled back and is reused', async () => {
    open();

    await assert.rejects(
      inTransaction(pool, (client) => client.query('SELECT pg_sleep(2)')),
      (error: Error & { code?: string }) => error.code === '57014',
    );

    assert.equal(pool.totalCount, 1);
    assert.equal(pool.idleCount, 1);
  });
});

describe("the listening connection's reconnect delay", () => {
  const cases: ReadonlyArray<[number, number]> = [
    [0, 1_000],
    [1, 2_000],
    [3, 8_000],
    [5, 30_000],
    [40, 30_000],
  ];
  for (const [failures, delay] of cases) {
    it(`waits ${delay} ms after ${failures} failed attempt(s) (doubling from 1 s, capped at 30 s)`, () => {
      assert.equal(reconnectDelay(failures, 1_000, 30_000), delay);
    });
  }
});

/**
 * Worker leases and leader leases on a real PostgreSQL (two pools on one fresh schema stand for
 * two worker processes), and the presence and leadership loops on top of them. Skipped, loudly,
 * without CLAUDE_HOOKS_TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { manualClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { Secret } from '../lib/secret.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/ports.js';
import { dropSchema, freshSchemaName, postgresSkip, TEST_DATABASE_URL } from '../../test/support/postgres.js';
import { createLeadership } from './leadership.js';
import type { WorkerIdentity, WorkerRegistry } from './ports.js';
import { createPresence } from './presence.js';

const identity = (id: string): WorkerIdentity => ({ id, host: 'test-host', pid: 1, dataDir: `/data/${id}` });

describe('workers on one database', { skip: postgresSkip() }, () => {
  const schema = freshSchemaName('workers');
  let stores: Store[];
  let a: WorkerRegistry;
  let b: WorkerRegistry;

  before(async () => {
    // Two stores on one schema: two worker processes' views of the database.
    const open = () =>
      openStore(
        {
          kind: 'postgres',
          url: new Secret(TEST_DATABASE_URL!),
          maxConnections: 2,
          affinityWaitMs: 30_000,
          leaseSeconds: 30,
        },
        { dataDir: '/nonexistent', schema, clock: manualClock(), dedupWindowMs: 0 },
      );
    stores = [await open(), await open()];
    [a, b] = stores.map((store) => store.workers) as [WorkerRegistry, WorkerRegistry];
  });
  after(async () => {
    for (const store of stores ?? []) await store.close();
    await dropSchema(schema);
  });

  it('lists a worker alive while its lease is renewed, and dead once it has passed', async () => {
    const clock = manualClock();
    await a.register(identity('w-alive'), clock.now(), 10_000);
    clock.advance(8_000);
    assert.equal(
      await a.heartbeat('w-alive', clock.now(), 10_000, { freeBytes: 5, worktreesBytes: 6, cachesBytes: 7 }),
      true,
    );
    clock.advance(9_000);
    const [seen] = (await b.list(clock.now())).filter((w) => w.id === 'w-alive');
    assert.deepEqual([seen?.alive, seen?.disk?.worktreesBytes, seen?.dataDir], [true, 6, '/data/w-alive']);

    clock.advance(2_000);
    assert.equal((await b.list(clock.now())).find((w) => w.id === 'w-alive')?.alive, false);
  });

  it('refuses to renew a lease that has passed: the worker must stop its runs and register again', async () => {
    const clock = manualClock();
    const lostReasons: string[] = [];
    const presence = createPresence({
      registry: a,
      identity: identity('w-stalled'),
      leaseMs: 1_000,
      clock,
      log: silentLogger(),
      onLeaseLost: (reason) => void lostReasons.push(reason),
    });
    await presence.start();
    await presence.beat();
    assert.deepEqual(lostReasons, []);

    clock.advance(5_000); // stalled: no heartbeat for five leases
    await presence.beat();
    await presence.stop();

    assert.equal(lostReasons.length, 1);
    assert.match(lostReasons[0]!, /lease had passed/);
  });

  it('gives each leader lease to one worker, and to another once the holder stops renewing it', async () => {
    const clock = manualClock();
    const events: string[] = [];
    const role = (who: string) => ({
      name: 'poller',
      start: () => void events.push(`${who} leads`),
      stop: () => void events.push(`${who} stops`),
    });
    const one = createLeadership({
      registry: a,
      holder: 'w-1',
      roles: [role('w-1')],
      ttlMs: 3_000,
      clock,
      log: silentLogger(),
    });
    const two = createLeadership({
      registry: b,
      holder: 'w-2',
      roles: [role('w-2')],
      ttlMs: 3_000,
      clock,
      log: silentLogger(),
    });

    await one.tick();
    await two.tick();
    clock.advance(2_000);
    await one.tick(); // renewed
    clock.advance(2_000);
    await two.tick(); // w-1's lease still holds
    assert.deepEqual(events, ['w-1 leads']);

    clock.advance(4_000); // w-1 stalls past its lease
    await two.tick();
    await one.tick();
    assert.deepEqual(events, ['w-1 leads', 'w-2 leads', 'w-1 stops']);
    assert.deepEqual([one.leads(), two.leads()], [[], ['poller']]);

    await two.stop(); // a clean stop hands the lease on at once
    await one.tick();
    assert.deepEqual(events.slice(3), ['w-2 stops', 'w-1 leads']);
    await one.stop();
  });

  it('lets only one of two workers take a free lease when both try at the same moment', async () => {
    const now = Date.now();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).lead('sweeper', `w-${i}`, now, 60_000)),
    );
    assert.equal(results.filter(Boolean).length, 1);
  });
});

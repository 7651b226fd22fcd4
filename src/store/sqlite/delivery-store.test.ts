import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { DeliveryRecord } from '../../intake/ports.js';
import { commented, issueOpened, REPO } from '../../../test/support/events.js';
import { storeRows } from '../../../test/support/store-rows.js';
import { openSqliteStore, sqliteInternals } from './sqlite-store.js';

const DAY = 24 * 3600_000;
const NOW = Date.parse('2026-12-01T00:00:00Z');

function openStore() {
  const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-deliveries-'));
  return openSqliteStore({ dataDir, clock: { now: () => NOW }, dedupWindowMs: 100 * DAY });
}

function delivery(deliveryId: string, receivedAt: number, outcome: DeliveryRecord['outcome'], body = Buffer.from(`{"delivery":"${deliveryId}"}`)): DeliveryRecord {
  return { deliveryId, source: 'webhook', forge: 'forgejo', eventType: 'issues', receivedAt, headers: {}, body, outcome };
}

const ignored = { kind: 'ignored', reason: "event type 'release' is not handled" } as const;
const work = (agent: string, issue: number) => ({ kind: 'work', key: { agent, repo: 'forge.test/acme/widget', issue }, repoRef: REPO, trigger: 'assigned' }) as const;

describe('the SQLite delivery store', () => {
  describe('bodies', () => {
    it('stores bytes that arrived before once, the later delivery naming the one that holds them', async () => {
      const store = openStore();
      const body = Buffer.alloc(64 * 1024, 'a');

      await store.deliveries.record(delivery('first', NOW, ignored, body));
      await store.deliveries.record(delivery('again', NOW, ignored, body));
      await store.deliveries.record(delivery('other', NOW, ignored, Buffer.alloc(64 * 1024, 'b')));
      const rows = storeRows(sqliteInternals(store).file);
      const [first, again] = [await store.deliveryHistory.body('first'), await store.deliveryHistory.body('again')];
      await store.close();

      assert.equal(rows.deliveries, 3);
      assert.equal(rows.bodyBytes, 2 * 64 * 1024, 'two distinct bodies, each stored once');
      assert.ok(first?.equals(body));
      assert.ok(again?.equals(body), 'the copy reads back through its reference');
    });

    it('records the same event replayed under a new id as a duplicate that refers to the original body', async () => {
      const store = openStore();
      const event = issueOpened(1);
      const body = Buffer.from(JSON.stringify(event));

      await store.deliveries.record(delivery('original', NOW, { kind: 'event', event }, body));
      const replay = await store.deliveries.record(delivery('replay', NOW, { kind: 'event', event }, body));
      const rows = storeRows(sqliteInternals(store).file);
      const replayed = await store.deliveryHistory.body('replay');
      await store.close();

      assert.deepEqual(replay, { status: 'duplicate-event', originalDeliveryId: 'original' });
      assert.equal(rows.bodyBytes, body.length);
      assert.ok(replayed?.equals(body));
    });
  });

  describe('deleteDeliveriesBefore', () => {
    it('deletes old deliveries with their bodies, their routed events, routing decisions and finished jobs, and keeps the newer ones', async () => {
      const store = openStore();
      const old = NOW - 40 * DAY;
      await store.deliveries.record(delivery('old-ignored', old, ignored));
      await store.deliveries.record(delivery('old-event', old, { kind: 'event', event: issueOpened(1) }));
      await store.deliveries.record(delivery('new-event', NOW, { kind: 'event', event: issueOpened(2) }));
      const [oldEvent, newEvent] = await store.jobs.undispatchedEvents(10);
      await store.jobs.commitRouting(
        [
          { eventId: oldEvent!.id, decisions: [work('dev', 1), { kind: 'skip', agent: 'boss', reason: 'not mentioned' }] },
          { eventId: newEvent!.id, decisions: [work('dev', 2)] },
        ],
        old,
      );
      const [oldJob] = await store.jobs.runnableJobs(old);
      await store.jobs.startJob(oldJob!.id, old);
      await store.jobs.finishJob(oldJob!.id, { state: 'succeeded' }, old);

      const report = await store.deliveries.deleteDeliveriesBefore(NOW - 30 * DAY);
      const rows = storeRows(sqliteInternals(store).file);
      const left = (await store.deliveryHistory.recent(10)).map((d) => d.deliveryId);
      const jobs = await store.jobs.listJobs({});
      await store.close();

      assert.deepEqual(report, { deliveries: 2, events: 1, jobs: 1 });
      assert.deepEqual(left, ['new-event']);
      assert.deepEqual(jobs.map((j) => j.key.issue), [2], 'the job of the new event stays');
      assert.deepEqual({ events: rows.events, jobEvents: rows.jobEvents, routingSkips: rows.routingSkips }, { events: 1, jobEvents: 1, routingSkips: 0 });
    });

    it('keeps an old delivery whose event is not routed yet or is answered by a queued job', async () => {
      const store = openStore();
      const old = NOW - 40 * DAY;
      await store.deliveries.record(delivery('unrouted', old, { kind: 'event', event: issueOpened(1) }));
      await store.deliveries.record(delivery('queued', old, { kind: 'event', event: commented(2, 'alice', 'please') }));
      const [, queuedEvent] = await store.jobs.undispatchedEvents(10);
      await store.jobs.commitRouting([{ eventId: queuedEvent!.id, decisions: [work('dev', 2)] }], old);

      const report = await store.deliveries.deleteDeliveriesBefore(NOW - 30 * DAY);
      const left = (await store.deliveryHistory.recent(10)).map((d) => d.deliveryId).sort();
      const rows = storeRows(sqliteInternals(store).file);
      await store.close();

      assert.deepEqual(report, { deliveries: 0, events: 0, jobs: 0 });
      assert.deepEqual(left, ['queued', 'unrouted']);
      assert.deepEqual({ events: rows.events, jobs: rows.jobs }, { events: 2, jobs: 1 });
    });

    it('moves a deleted delivery’s body to the oldest kept delivery that refers to it', async () => {
      const store = openStore();
      const body = Buffer.alloc(32 * 1024, 'r');
      await store.deliveries.record(delivery('holder', NOW - 40 * DAY, ignored, body));
      await store.deliveries.record(delivery('old-copy', NOW - 35 * DAY, ignored, body));
      await store.deliveries.record(delivery('heir', NOW - 10 * DAY, ignored, body));
      await store.deliveries.record(delivery('late-copy', NOW, ignored, body));

      const report = await store.deliveries.deleteDeliveriesBefore(NOW - 30 * DAY);
      const bodies = [await store.deliveryHistory.body('heir'), await store.deliveryHistory.body('late-copy'), await store.deliveryHistory.body('holder')];
      const rows = storeRows(sqliteInternals(store).file);
      await store.close();

      assert.equal(report.deliveries, 2);
      assert.ok(bodies[0]?.equals(body), 'the heir holds the body now');
      assert.ok(bodies[1]?.equals(body), 'and the later copy reads it through the heir');
      assert.equal(bodies[2], undefined, 'the deleted delivery is gone');
      assert.equal(rows.bodyBytes, body.length, 'still one copy');
    });
  });
});

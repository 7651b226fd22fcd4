import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { DeliveryRecord } from '../../src/intake/ports.js';
import type { StoredEvent } from '../../src/core/stored-event.js';
import { commented, issueOpened, REPO } from '../support/events.js';
import { forEachStore } from './stores.js';

const DAY = 24 * 3600_000;

function delivery(
  deliveryId: string,
  receivedAt: number,
  outcome: DeliveryRecord['outcome'],
  body = Buffer.from(`{"delivery":"${deliveryId}"}`),
): DeliveryRecord {
  return {
    deliveryId,
    source: 'webhook',
    forge: 'forgejo',
    eventType: 'issues',
    receivedAt,
    headers: { 'x-test': deliveryId },
    body,
    outcome,
  };
}

const ignored = { kind: 'ignored', reason: "event type 'release' is not handled" } as const;
const work = (agent: string, issue: number) =>
  ({
    kind: 'work',
    key: { agent, repo: 'forge.test/acme/widget', issue },
    repoRef: REPO,
    trigger: 'assigned',
  }) as const;

forEachStore('the delivery store', ({ open }) => {
  it('accepts a new change as an event, tells the listeners after the commit, and ignores what carries no change', async () => {
    const { store, clock } = await open({ dedupWindowMs: DAY });
    const heard: StoredEvent[] = [];
    store.onEvent((stored) => heard.push(stored));
    const event = issueOpened(1);

    const accepted = await store.deliveries.record(delivery('d1', clock.now(), { kind: 'event', event }));
    const skipped = await store.deliveries.record(delivery('d2', clock.now(), ignored));
    const pending = await store.jobs.undispatchedEvents(10);

    assert.equal(accepted.status, 'accepted');
    assert.deepEqual(skipped, { status: 'ignored' });
    assert.deepEqual(
      heard.map((e) => [e.id, e.deliveryId, e.event.fingerprint]),
      [[(accepted as { eventId: number }).eventId, 'd1', event.fingerprint]],
    );
    assert.deepEqual(
      pending.map((e) => e.deliveryId),
      ['d1'],
    );
    assert.deepEqual(pending[0]!.event, event);
  });

  it('records a delivery id seen before as a duplicate delivery and stores nothing more', async () => {
    const { store, clock, rows } = await open({ dedupWindowMs: DAY });
    await store.deliveries.record(delivery('same', clock.now(), { kind: 'event', event: issueOpened(1) }));

    const again = await store.deliveries.record(
      delivery('same', clock.now(), { kind: 'event', event: issueOpened(2) }),
    );

    assert.deepEqual(again, { status: 'duplicate-delivery' });
    assert.deepEqual(await rows().then((r) => [r.deliveries, r.events]), [1, 1]);
  });

  it('makes no second event for the same change within the window, and a new one after it', async () => {
    const { store, clock } = await open({ dedupWindowMs: DAY });
    const event = issueOpened(1);
    await store.deliveries.record(delivery('original', clock.now(), { kind: 'event', event }));

    const replay = await store.deliveries.record(delivery('replay', clock.now(), { kind: 'event', event }));
    clock.advance(2 * DAY);
    const late = await store.deliveries.record(delivery('late', clock.now(), { kind: 'event', event }));
    const history = await store.deliveryHistory.recent(10);

    assert.deepEqual(replay, { status: 'duplicate-event', originalDeliveryId: 'original' });
    assert.equal(late.status, 'accepted');
    assert.deepEqual(
      history.map((d) => [d.deliveryId, d.outcome, d.reason]),
      [
        ['late', 'accepted', null],
        ['replay', 'duplicate', 'same event as delivery original'],
        ['original', 'accepted', null],
      ],
    );
  });

  it('shows in the history what dispatch made of each event: the job each agent joined, or why not', async () => {
    const { store, clock } = await open({ dedupWindowMs: DAY });
    await store.deliveries.record(delivery('d1', clock.now(), { kind: 'event', event: issueOpened(1) }));
    await store.deliveries.record(delivery('d2', clock.now(), { kind: 'event', event: issueOpened(2) }));
    const [first] = await store.jobs.undispatchedEvents(10);
    await store.jobs.commitRouting(
      [{ eventId: first!.id, decisions: [work('dev', 1), { kind: 'skip', agent: 'boss', reason: 'not mentioned' }] }],
      clock.now(),
    );

    const [second, routed] = await store.deliveryHistory.recent(10);
    const [job] = await store.jobs.listJobs({});

    assert.deepEqual(second!.routing, { routedAt: null, decisions: [] });
    assert.deepEqual(routed!.routing, {
      routedAt: clock.now(),
      decisions: [
        { agent: 'dev', kind: 'job', jobId: job!.id, trigger: 'assigned', state: 'queued' },
        { agent: 'boss', kind: 'skipped', reason: 'not mentioned' },
      ],
    });
    assert.equal(routed!.eventId, first!.id);
  });

  it('stores bytes that arrived before once, the later delivery naming the one that holds them', async () => {
    const { store, clock, rows } = await open();
    const body = Buffer.alloc(64 * 1024, 'a');

    await store.deliveries.record(delivery('first', clock.now(), ignored, body));
    await store.deliveries.record(delivery('again', clock.now(), ignored, body));
    await store.deliveries.record(delivery('other', clock.now(), ignored, Buffer.alloc(64 * 1024, 'b')));
    const counted = await rows();
    const [first, again, unknown] = [
      await store.deliveryHistory.body('first'),
      await store.deliveryHistory.body('again'),
      await store.deliveryHistory.body('nope'),
    ];

    assert.equal(counted.deliveries, 3);
    assert.equal(counted.bodyBytes, 2 * 64 * 1024, 'two distinct bodies, each stored once');
    assert.ok(first?.equals(body));
    assert.ok(again?.equals(body), 'the copy reads back through its reference');
    assert.equal(unknown, undefined);
  });

  it('records the same event replayed under a new id as a duplicate that refers to the original body', async () => {
    const { store, clock, rows } = await open({ dedupWindowMs: DAY });
    const event = issueOpened(1);
    const body = Buffer.from(JSON.stringify(event));

    await store.deliveries.record(delivery('original', clock.now(), { kind: 'event', event }, body));
    const replay = await store.deliveries.record(delivery('replay', clock.now(), { kind: 'event', event }, body));
    const counted = await rows();
    const replayed = await store.deliveryHistory.body('replay');

    assert.deepEqual(replay, { status: 'duplicate-event', originalDeliveryId: 'original' });
    assert.equal(counted.bodyBytes, body.length);
    assert.ok(replayed?.equals(body));
  });

  it('deletes old deliveries with their bodies, their routed events, routing decisions and finished jobs, and keeps the newer ones', async () => {
    const { store, clock, rows } = await open({ dedupWindowMs: 100 * DAY });
    const now = clock.now();
    const old = now - 40 * DAY;
    await store.deliveries.record(delivery('old-ignored', old, ignored));
    await store.deliveries.record(delivery('old-event', old, { kind: 'event', event: issueOpened(1) }));
    await store.deliveries.record(delivery('new-event', now, { kind: 'event', event: issueOpened(2) }));
    const [oldEvent, newEvent] = await store.jobs.undispatchedEvents(10);
    await store.jobs.commitRouting(
      [
        {
          eventId: oldEvent!.id,
          decisions: [work('dev', 1), { kind: 'skip', agent: 'boss', reason: 'not mentioned' }],
        },
        { eventId: newEvent!.id, decisions: [work('dev', 2)] },
      ],
      old,
    );
    const [oldJob] = await store.jobs.runnableJobs(old);
    await store.jobs.startJob(oldJob!.id, old);
    await store.jobs.finishJob(oldJob!.id, { state: 'succeeded' }, old);

    const report = await store.deliveries.deleteDeliveriesBefore(now - 30 * DAY);
    const counted = await rows();
    const left = (await store.deliveryHistory.recent(10)).map((d) => d.deliveryId);
    const jobs = await store.jobs.listJobs({});

    assert.deepEqual(report, { deliveries: 2, events: 1, jobs: 1 });
    assert.deepEqual(left, ['new-event']);
    assert.deepEqual(
      jobs.map((j) => j.key.issue),
      [2],
      'the job of the new event stays',
    );
    assert.deepEqual(
      { events: counted.events, jobEvents: counted.jobEvents, routingSkips: counted.routingSkips },
      { events: 1, jobEvents: 1, routingSkips: 0 },
    );
  });

  it('keeps an old delivery whose event is not routed yet or is answered by a queued job', async () => {
    const { store, clock, rows } = await open({ dedupWindowMs: 100 * DAY });
    const now = clock.now();
    const old = now - 40 * DAY;
    await store.deliveries.record(delivery('unrouted', old, { kind: 'event', event: issueOpened(1) }));
    await store.deliveries.record(delivery('queued', old, { kind: 'event', event: commented(2, 'alice', 'please') }));
    const [, queuedEvent] = await store.jobs.undispatchedEvents(10);
    await store.jobs.commitRouting([{ eventId: queuedEvent!.id, decisions: [work('dev', 2)] }], old);

    const report = await store.deliveries.deleteDeliveriesBefore(now - 30 * DAY);
    const left = (await store.deliveryHistory.recent(10)).map((d) => d.deliveryId).sort();
    const counted = await rows();

    assert.deepEqual(report, { deliveries: 0, events: 0, jobs: 0 });
    assert.deepEqual(left, ['queued', 'unrouted']);
    assert.deepEqual({ events: counted.events, jobs: counted.jobs }, { events: 2, jobs: 1 });
  });

  it('moves a deleted delivery’s body to the oldest kept delivery that refers to it', async () => {
    const { store, clock, rows } = await open();
    const now = clock.now();
    const body = Buffer.alloc(32 * 1024, 'r');
    await store.deliveries.record(delivery('holder', now - 40 * DAY, ignored, body));
    await store.deliveries.record(delivery('old-copy', now - 35 * DAY, ignored, body));
    await store.deliveries.record(delivery('heir', now - 10 * DAY, ignored, body));
    await store.deliveries.record(delivery('late-copy', now, ignored, body));

    const report = await store.deliveries.deleteDeliveriesBefore(now - 30 * DAY);
    const bodies = [
      await store.deliveryHistory.body('heir'),
      await store.deliveryHistory.body('late-copy'),
      await store.deliveryHistory.body('holder'),
    ];
    const counted = await rows();

    assert.equal(report.deliveries, 2);
    assert.ok(bodies[0]?.equals(body), 'the heir holds the body now');
    assert.ok(bodies[1]?.equals(body), 'and the later copy reads it through the heir');
    assert.equal(bodies[2], undefined, 'the deleted delivery is gone');
    assert.equal(counted.bodyBytes, body.length, 'still one copy');
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { teamOfThree } from '../../test/support/agents.js';
import { gate, scriptedRunner } from '../../test/support/dispatch-harness.js';
import { commented } from '../../test/support/events.js';
import { until } from '../../test/support/wait.js';
import type { ForgeEvent } from '../core/events.js';
import { systemClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/ports.js';
import type { DispatchNotice } from './dispatch-types.js';
import { createDispatcher } from './dispatcher.js';
import type { AgentRunner, JobStore, StoredEvent } from './ports.js';

async function openTempStore(): Promise<Store> {
  return openStore(
    { kind: 'sqlite' },
    { dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-routing-')), clock: systemClock, dedupWindowMs: 3600_000 },
  );
}

/** Stores an event as the intake would, without telling anyone. */
async function record(store: Store, event: ForgeEvent, deliveryId: string): Promise<StoredEvent> {
  const result = await store.deliveries.record({
    deliveryId,
    source: 'webhook',
    forge: 'forgejo',
    eventType: 'comment',
    receivedAt: Date.now(),
    headers: {},
    body: Buffer.from('{}'),
    outcome: { kind: 'event', event },
  });
  assert.ok(result.status === 'accepted');
  return { id: result.eventId, deliveryId, receivedAt: Date.now(), event };
}

function dispatcherOn(jobs: JobStore, runner: AgentRunner) {
  return createDispatcher({
    store: jobs,
    runner,
    route: {
      agents: teamOfThree(),
      repositories: [],
      allowUsers: [],
      forge: { canTrigger: async () => true, pullHead: async () => undefined, comment: async () => undefined },
    },
    limits: { concurrency: 10, perRepository: 10, maxAttempts: 1, backoffMs: 1, pauseMs: 1 },
    clock: systemClock,
    log: silentLogger(),
  });
}

describe('routing loop', () => {
  it('starts the job a batch queued while the same routing run is still writing a later batch', async () => {
    // A routing run goes on for as long as events keep arriving; under a steady stream of
    // deliveries it did not end for hundreds of milliseconds, and nothing it queued started until
    // it did (decisions.md §56).
    const store = await openTempStore();
    const { runner, runs } = scriptedRunner();
    const laterWrite = gate();
    let writes = 0;
    let later: StoredEvent | undefined;
    const jobs: JobStore = {
      ...store.jobs,
      commitRouting: async (batch, now) => {
        writes++;
        if (writes === 2) await laterWrite.promise; // the later event's batch
        await store.jobs.commitRouting(batch, now);
        // The later event arrives while the run is still going: it joins this run as its next batch.
        if (writes === 1 && later) dispatcher.notify(later);
      },
    };
    const dispatcher = dispatcherOn(jobs, runner);
    await dispatcher.start();
    try {
      const first = await record(store, commented(7, 'alice', '@dev first'), 'first');
      later = await record(store, commented(8, 'alice', '@dev later'), 'later');

      dispatcher.notify(first);
      await until(() => runs.length === 1, "the first event's job to start while the later batch is being written");

      assert.equal(writes, 2);
      assert.deepEqual(runs[0]!.events, [first.event.fingerprint]);
      laterWrite.open();
      await dispatcher.idle();
      assert.deepEqual(
        runs.map((r) => r.events),
        [[first.event.fingerprint], [later.event.fingerprint]],
      );
    } finally {
      laterWrite.open();
      await dispatcher.stop();
      await store.close();
    }
  });

  it("tells observers an event's stages in order: routed, its decisions written, its job started", async () => {
    const store = await openTempStore();
    const { runner } = scriptedRunner();
    const dispatcher = dispatcherOn(store.jobs, runner);
    const notices: string[] = [];
    dispatcher.subscribe((notice: DispatchNotice) => {
      if (notice.type === 'events-routed' || notice.type === 'events-queued')
        notices.push(`${notice.type} ${notice.eventIds.join(',')}`);
      if (notice.type === 'job-started') notices.push(`job-started ${notice.job.eventIds.join(',')}`);
    });
    await dispatcher.start();
    try {
      const stored = await record(store, commented(7, 'alice', '@dev go'), 'one');

      dispatcher.notify(stored);
      await dispatcher.idle();

      assert.deepEqual(notices, [
        `events-routed ${stored.id}`,
        `events-queued ${stored.id}`,
        `job-started ${stored.id}`,
      ]);
    } finally {
      await dispatcher.stop();
      await store.close();
    }
  });
});

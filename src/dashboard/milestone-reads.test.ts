import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ACTIVE, CLOSED, PAUSED, seedMilestones } from '../../test/support/milestone-seed.js';
import { manualClock } from '../lib/clock.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/ports.js';
import { loadMilestoneReports, loadOpenMilestoneReports, milestoneReads } from './milestone-reads.js';

describe('dashboard: reading the milestones', () => {
  let store: Store;
  const asked: string[] = [];

  before(async () => {
    store = await openStore(
      { kind: 'sqlite' },
      { dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-milestone-reads-')), clock: manualClock(), dedupWindowMs: 0 },
    );
    await seedMilestones(store, 1_000);
  });
  after(() => store.close());

  /** The reads, counting what they ask of the queue. */
  const reads = () =>
    milestoneReads(
      {
        milestones: store.milestones,
        jobs: {
          undispatchedEvents: (limit) => (asked.push('events'), store.jobs.undispatchedEvents(limit)),
          listJobs: (query) => (asked.push('jobs'), store.jobs.listJobs(query)),
        },
      },
      { agents: [{ name: 'dev', role: 'implementer' }], milestones: { stacking: false, maxInFlight: 2 } },
    );

  it('reports every milestone, reading the queue once for all of them', async () => {
    asked.length = 0;

    const reports = await loadMilestoneReports(reads());

    assert.deepEqual(
      reports.map((r) => [r.tracking, r.closed, r.paused]),
      [
        [ACTIVE, false, false],
        [PAUSED, false, true],
        [CLOSED, true, false],
      ],
    );
    assert.deepEqual(asked, ['events', 'jobs']);
  });

  it('leaves out milestones whose tracking issue is closed, and counts those beyond the limit', async () => {
    const open = await loadOpenMilestoneReports(reads(), 1);

    assert.deepEqual(
      open.reports.map((r) => r.tracking),
      [ACTIVE],
    );
    assert.deepEqual([open.closed, open.more], [1, 1]);
  });
});

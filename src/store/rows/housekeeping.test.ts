import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toSweep, type SweepRow } from './housekeeping.js';

const row = (dryRun: SweepRow['dry_run']): SweepRow => ({
  id: 1,
  trigger: 'cli',
  dry_run: dryRun,
  started_at: 10,
  finished_at: null,
  report: null,
});

describe('a sweeps row', () => {
  it('reads dry_run as PostgreSQL gives it (BOOLEAN) and as SQLite gives it (0 or 1)', () => {
    const cases: ReadonlyArray<[SweepRow['dry_run'], boolean]> = [
      [true, true],
      [false, false],
      [1, true],
      [0, false],
    ];

    const read = cases.map(([dryRun]) => toSweep(row(dryRun)).dryRun);

    assert.deepEqual(
      read,
      cases.map(([, expected]) => expected),
    );
  });

  it('has no report until the sweep finished, then the report as it was stored', () => {
    const unfinished = toSweep(row(false));
    const finished = toSweep({ ...row(false), finished_at: 20, report: '{"reclaimedBytes":5}' });

    assert.deepEqual([unfinished.finishedAt, unfinished.report], [null, undefined]);
    assert.deepEqual([finished.finishedAt, finished.report], [20, { reclaimedBytes: 5 }]);
  });
});

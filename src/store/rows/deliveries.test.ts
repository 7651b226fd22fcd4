import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventIdsOf, toDeliverySummary, toEventRoutings, type SummaryRow } from './deliveries.js';

const summary = (eventId: number | null): SummaryRow => ({
  delivery_id: `d${eventId}`,
  source: 'webhook',
  forge: 'gitea',
  event_type: 'issues',
  received_at: 1,
  outcome: eventId === null ? 'ignored' : 'accepted',
  reason: null,
  event_id: eventId,
});

describe('delivery rows', () => {
  it('routes each event: its jobs first, then its skips, and an unrouted event with no decisions', () => {
    const routings = toEventRoutings(
      [
        { id: 1, dispatched_at: 5 },
        { id: 2, dispatched_at: null },
      ],
      [{ event_id: 1, agent: 'dev', job_id: 7, trigger: 'label', state: 'queued' }],
      [{ event_id: 1, agent: 'boss', reason: 'not mentioned' }],
    );

    assert.deepEqual(Object.fromEntries(routings), {
      1: {
        routedAt: 5,
        decisions: [
          { agent: 'dev', kind: 'job', jobId: 7, trigger: 'label', state: 'queued' },
          { agent: 'boss', kind: 'skipped', reason: 'not mentioned' },
        ],
      },
      2: { routedAt: null, decisions: [] },
    });
  });

  it('ignores decisions of an event it was not asked about', () => {
    const routings = toEventRoutings([{ id: 1, dispatched_at: 5 }], [], [{ event_id: 9, agent: 'boss', reason: 'x' }]);

    assert.deepEqual([...routings.keys()], [1]);
  });

  it('gives a delivery that became no event no routing, and an event not found none either', () => {
    const rows = [summary(null), summary(3)];

    const summaries = rows.map((r) => toDeliverySummary(r, new Map()));

    assert.deepEqual(eventIdsOf(rows), [3]);
    assert.deepEqual(
      summaries.map((s) => [s.eventId, s.routing]),
      [
        [null, null],
        [3, null],
      ],
    );
  });
});

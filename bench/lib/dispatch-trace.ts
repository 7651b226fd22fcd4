/**
 * Where the dispatch benchmark's time goes: each event's stages, timed with `performance.now()` in
 * the benchmark's own process, from what the service already tells observers — nothing in the
 * service changes for it, and nothing runs when no benchmark listens:
 *
 *   accepted  the client saw the 202 (its delivery is durable; the store's `onEvent` came first)
 *   routed    routing decided the event (the dispatcher's `events-routed` notice)
 *   queued    its decisions are written and synced: it sits in its key's job (`events-queued`)
 *   claimed   its job's claim is written and synced (`job-started`)
 *   called    the runner was called with it
 *
 * The gaps between them add up to the benchmark's figure. `report` prints, for the slowest 1 %, each
 * event's gaps, and for every gap its distribution over all events.
 */
import { formatTable } from '../../src/lib/format-table.js';
import type { Dispatcher } from '../../src/queue/dispatcher.js';
import type { Store } from '../../src/store/ports.js';
import { percentile } from './report.js';

const STAGES = ['accepted', 'routed', 'queued', 'claimed', 'called'] as const;
type Stage = (typeof STAGES)[number];

export const GAPS = ['202→routed', 'routed→queued', 'queued→claimed', 'claimed→called'] as const;
export type Gap = (typeof GAPS)[number];

/** What each gap holds, printed under the tables. */
const MEANING: Readonly<Record<Gap, string>> = {
  '202→routed':
    'waiting for the routing loop, and the routing decision (negative: routed before the client read its 202)',
  'routed→queued': 'the routing write: the group commit and the WAL fsync it waits for',
  'queued→claimed':
    "waiting for a scheduling pass (or for the key's running job), the pass's read, the claim's commit and fsync",
  'claimed→called': 'reading the events and calling the runner',
};

export interface TracedEvent {
  /** Milliseconds from the 202 to the runner. */
  readonly total: number;
  readonly gaps: Readonly<Record<Gap, number>>;
}

export interface DispatchTrace {
  /** The client saw the 202 for the delivery of this comment. */
  accepted(commentId: number, at: number): void;
  /** The runner was called with these stored events. */
  called(eventIds: readonly number[], at: number): void;
  /** The traced events of these comments, in the same order; throws if one is missing a stage. */
  events(commentIds: readonly number[]): TracedEvent[];
}

export function traceDispatch(service: { readonly store: Store; readonly dispatcher: Dispatcher }): DispatchTrace {
  const stages = new Map<number, Partial<Record<Stage, number>>>();
  const eventOfComment = new Map<number, number>();
  const mark = (eventId: number, stage: Stage, at: number) => {
    const seen = stages.get(eventId) ?? {};
    seen[stage] ??= at; // the first time: a retried job is claimed again
    stages.set(eventId, seen);
  };
  service.store.onEvent((stored) => {
    if (stored.event.type === 'comment') eventOfComment.set(stored.event.comment.id, stored.id);
  });
  service.dispatcher.subscribe((notice) => {
    const at = performance.now();
    if (notice.type === 'events-routed') for (const id of notice.eventIds) mark(id, 'routed', at);
    else if (notice.type === 'events-queued') for (const id of notice.eventIds) mark(id, 'queued', at);
    else if (notice.type === 'job-started') for (const id of notice.job.eventIds) mark(id, 'claimed', at);
  });
  return {
    accepted(commentId, at) {
      const eventId = eventOfComment.get(commentId);
      if (eventId === undefined) throw new Error(`comment ${commentId} was answered 202 but never stored`);
      mark(eventId, 'accepted', at);
    },
    called(eventIds, at) {
      for (const id of eventIds) mark(id, 'called', at);
    },
    events(commentIds) {
      return commentIds.map((commentId) => {
        const seen = stages.get(eventOfComment.get(commentId) ?? -1) ?? {};
        const at = STAGES.map((stage) => {
          const value = seen[stage];
          if (value === undefined) throw new Error(`comment ${commentId}: no '${stage}' stage traced`);
          return value;
        });
        const gaps = Object.fromEntries(GAPS.map((gap, i) => [gap, at[i + 1]! - at[i]!])) as Record<Gap, number>;
        return { total: at[at.length - 1]! - at[0]!, gaps };
      });
    },
  };
}

export interface TraceSummary {
  /** Per gap: p50 and p99 over every event, and the mean over the slowest 1 %. */
  readonly figures: Record<string, number>;
}

/** Prints where the slowest 1 % spent their time, and each gap's distribution; answers the figures. */
export function reportTrace(events: readonly TracedEvent[]): TraceSummary {
  const slowest = [...events].sort((a, b) => b.total - a.total).slice(0, Math.max(1, Math.ceil(events.length / 100)));
  const ms = (value: number) => value.toFixed(1);
  console.log(`\n-- where the time goes: the slowest 1 % (${slowest.length} of ${events.length} events), ms`);
  process.stdout.write(
    formatTable(
      ['total', ...GAPS],
      slowest.map((e) => [ms(e.total), ...GAPS.map((gap) => ms(e.gaps[gap]))]),
    ),
  );
  const figures: Record<string, number> = {};
  const rows = GAPS.map((gap) => {
    const sorted = events.map((e) => e.gaps[gap]).sort((a, b) => a - b);
    const tail = slowest.reduce((sum, e) => sum + e.gaps[gap], 0) / slowest.length;
    const tailTotal = slowest.reduce((sum, e) => sum + e.total, 0) / slowest.length;
    const name = gap.replace('202', 'accepted').replace('→', '_to_');
    figures[`gap_${name}_p50_ms`] = percentile(sorted, 50);
    figures[`gap_${name}_p99_ms`] = percentile(sorted, 99);
    figures[`gap_${name}_slowest_1pct_mean_ms`] = tail;
    return [
      gap,
      ms(percentile(sorted, 50)),
      ms(percentile(sorted, 90)),
      ms(percentile(sorted, 99)),
      ms(sorted[sorted.length - 1] ?? Number.NaN),
      `${ms(tail)} (${Math.round((100 * tail) / tailTotal)} %)`,
    ];
  });
  console.log('\n-- each gap over all events, ms');
  process.stdout.write(formatTable(['gap', 'p50', 'p90', 'p99', 'max', 'slowest 1 %: mean (share)'], rows));
  for (const gap of GAPS) console.log(`  ${gap}: ${MEANING[gap]}`);
  return { figures };
}

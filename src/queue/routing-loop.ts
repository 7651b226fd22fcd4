/**
 * The routing loop: takes new events (handed over in memory, or found in the store), asks
 * `routeEvent` which agents act on each, and records every decision in one write per batch, in
 * event order, so a key's events join its mailbox in the order they arrived. An event the forge
 * could not help route now (a transient error) stays unrouted and is tried again, backing off;
 * any other failure is recorded as that event's outcome and routing goes on.
 */
import { cleanupFor } from '../core/cleanup-task.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Emit } from './dispatch-types.js';
import { labelChanges } from './label-changes.js';
import type { JobStore, LabelSet, RoutingDecision, StoredEvent } from './ports.js';
import { workKeyString } from '../core/work-key.js';
import { routeEvent, type RouteContext } from './route-event.js';
import { isTransient } from '../core/transient.js';
import { cappedBackoff } from '../lib/backoff.js';

export interface RoutingLoopOptions {
  readonly store: JobStore;
  readonly route: RouteContext;
  readonly clock: Clock;
  readonly log: Logger;
  /** Tells observers when events are routed and when their decisions are written. */
  readonly emit: Emit;
  /** Asks to be run again at `at` (a retry after a forge outage or a failed write). */
  readonly wakeAt: (at: number) => void;
  /**
   * Called after each batch whose decisions were written, and after each run whatever happened:
   * routed work may be startable. A run goes on while events keep coming, so its end can be far
   * off (decisions.md §56).
   */
  readonly afterRun: () => void;
}

export interface RoutingLoop {
  /** Takes an event handed over in memory, or (without one) notes that the store has news. */
  hand(stored?: StoredEvent): void;
  /** Routes everything pending; one run at a time, a call during a run joins it. */
  run(): Promise<void>;
  /** Whether routing is running or has events waiting in memory. */
  busy(): boolean;
  /** Settles when the current run (if any) has. */
  settled(): Promise<void>;
}

const BATCH = 100;

interface Routed {
  readonly stored: StoredEvent;
  /** Undefined when the forge could not be asked now: the event waits for a later try. */
  readonly decisions: RoutingDecision[] | undefined;
  readonly labels?: LabelSet;
}

export function createRoutingLoop(options: RoutingLoopOptions): RoutingLoop {
  const { store, clock, log } = options;
  /** Events handed over in memory, in commit order; the store is read only when `scan` is set. */
  const inbox: StoredEvent[] = [];
  let scan = true;
  let routing: Promise<void> | undefined;
  let again = false;
  let failures = 0;

  const nextBatch = async (): Promise<StoredEvent[]> => {
    if (inbox.length > 0) return inbox.splice(0, BATCH);
    return scan ? store.undispatchedEvents(BATCH) : [];
  };

  /** Routes one event; a fault (not transient) is final for this event and recorded. */
  const routeOne = async (
    stored: StoredEvent,
    addedLabels: readonly string[] | undefined,
  ): Promise<RoutingDecision[] | undefined> => {
    // Cleanup needs no forge answer: it is decided from the event alone, whatever the agents do.
    const cleanup = cleanupFor(stored.event);
    try {
      return [
        ...(await routeEvent(stored.event, options.route, addedLabels === undefined ? {} : { addedLabels })),
        ...cleanup,
      ];
    } catch (error) {
      if (isTransient(error)) {
        log.warn({ err: error, eventId: stored.id }, 'could not route an event: the forge did not answer');
        return undefined;
      }
      log.error({ err: error, eventId: stored.id }, 'could not route an event');
      return [
        {
          kind: 'skip',
          agent: '*',
          reason: `could not be routed: ${error instanceof Error ? error.message : String(error)}`,
        },
        ...cleanup,
      ];
    }
  };

  /** Routes one batch; false when some events had to wait for the forge. */
  const routeBatch = async (batch: StoredEvent[]): Promise<boolean> => {
    const labels = await labelChanges(batch, store);
    const results: Routed[] = await Promise.all(
      batch.map(async (stored) => {
        const change = labels.get(stored.id);
        return { stored, decisions: await routeOne(stored, change?.added), ...(change ? { labels: change.set } : {}) };
      }),
    );
    const routed = holdLaterLabelEvents(results);
    const settled = routed.filter((r) => r.decisions !== undefined);
    const eventIds = settled.map(({ stored }) => stored.id);
    options.emit({ type: 'events-routed', eventIds });
    await store.commitRouting(
      settled.map(({ stored, decisions, labels: set }) => ({
        eventId: stored.id,
        decisions: decisions ?? [],
        ...(set ? { labels: set } : {}),
      })),
      clock.now(),
    );
    options.emit({ type: 'events-queued', eventIds });
    for (const { stored, decisions } of settled) logDecisions(stored, decisions ?? []);
    // Start what this batch queued now, not when the run ends (decisions.md §56).
    if (settled.length > 0) options.afterRun();
    if (settled.length === routed.length) {
      failures = 0;
      return true;
    }
    failures++;
    const delay = cappedBackoff(failures, 1000, 60_000);
    log.warn(
      { deferred: routed.length - settled.length, retryInMs: delay },
      'could not route some events now; will retry',
    );
    options.wakeAt(clock.now() + delay);
    return false;
  };

  const logDecisions = (stored: StoredEvent, decisions: readonly RoutingDecision[]) => {
    for (const decision of decisions) {
      if (decision.kind === 'skip')
        log.info({ eventId: stored.id, agent: decision.agent, reason: decision.reason }, 'event not routed to agent');
      else if (decision.kind === 'cleanup')
        log.info({ eventId: stored.id, repo: decision.repo, cleanup: decision.action.kind }, 'cleanup queued');
      else
        log.info({ eventId: stored.id, job: workKeyString(decision.key), trigger: decision.trigger }, 'event routed');
    }
  };

  const run = (): Promise<void> => {
    if (routing !== undefined) {
      again = true;
      return routing;
    }
    routing = (async () => {
      do {
        again = false;
        for (;;) {
          const batch = await nextBatch();
          if (batch.length === 0) {
            scan = false;
            break;
          }
          // Events the forge held back stay in the store; the wake-up set by routeBatch finds them.
          if (!(await routeBatch(batch))) return;
        }
      } while (again);
    })()
      .catch((error: unknown) => {
        log.error({ err: error }, 'routing failed; will retry');
        scan = true;
        options.wakeAt(clock.now() + 1000);
      })
      .finally(() => {
        routing = undefined;
        // News that came after the loop last looked, but before this point, would otherwise wait
        // for the next event (a lost wake-up): look again.
        if (again || inbox.length > 0) void run();
        options.afterRun();
      });
    return routing;
  };

  return {
    hand(stored) {
      if (stored) inbox.push(stored);
      else scan = true;
    },
    run,
    busy: () => routing !== undefined || inbox.length > 0,
    settled: () => routing ?? Promise.resolve(),
  };
}

/**
 * A label event held back (the forge could not answer) holds back the later label events of its
 * issue in the batch too: each was compared with the one before it, and committing them first
 * would store a set newer than the held event's, so its added label would never be seen.
 */
function holdLaterLabelEvents(results: readonly Routed[]): Routed[] {
  const held = new Set<string>();
  return results.map((result) => {
    if (!result.labels) return result;
    const issue = `${result.labels.repo}#${result.labels.issue}`;
    if (held.has(issue)) return { stored: result.stored, decisions: undefined };
    if (result.decisions === undefined) held.add(issue);
    return result;
  });
}

/**
 * A dispatcher on a real SQLite store in a temporary data dir, with a scripted runner and a
 * small structural fake of the forge lookup, for dispatch tests and the dispatch benchmark.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig, StoreConfig } from '../../src/config/types.js';
import type { ForgeEvent } from '../../src/core/events.js';
import { systemClock, type Clock } from '../../src/lib/clock.js';
import { silentLogger, type Logger } from '../../src/lib/logger.js';
import { createDispatcher, type DispatchLimits, type Dispatcher } from '../../src/queue/dispatcher.js';
import type { AgentRunner, ForgeLookup, RunRequest } from '../../src/queue/ports.js';
import type { RunOutcome } from '../../src/core/run-outcome.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/ports.js';
import { teamOfThree } from './agents.js';

export interface RecordedRun {
  readonly request: RunRequest;
  /** Fingerprints of the events the run was given. */
  readonly events: readonly string[];
}

/**
 * A runner whose behaviour a test scripts; it records every call, and `started(n)` settles when
 * the `n`th call has come (at once when it has already), so a test waits for the dispatcher to
 * act rather than sleeping or polling.
 */
export function scriptedRunner(
  behaviour: (request: RunRequest) => Promise<RunOutcome> | RunOutcome = () => ({ ok: true }),
) {
  const runs: RecordedRun[] = [];
  const waiting: Array<{ count: number; wake: () => void }> = [];
  const runner: AgentRunner = {
    async run(request) {
      runs.push({ request, events: request.events.map((e) => e.event.fingerprint) });
      for (const waiter of waiting.filter((w) => w.count <= runs.length)) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.wake();
      }
      return behaviour(request);
    },
  };
  const started = (count: number, timeoutMs = 30_000): Promise<RecordedRun> =>
    new Promise((resolve, reject) => {
      // Not a poll: this timer only keeps the process alive (the dispatcher's timers do not) and
      // names what never came.
      const late = setTimeout(() => reject(new Error(`run ${count} never started (${runs.length} did)`)), timeoutMs);
      const wake = () => {
        clearTimeout(late);
        resolve(runs[count - 1]!);
      };
      if (runs.length >= count) wake();
      else waiting.push({ count, wake });
    });
  return { runner, runs, started };
}

/** A promise with its resolve, to hold a run open until the test lets it finish. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

export interface HarnessOptions {
  readonly dataDir?: string;
  readonly agents?: AgentConfig[];
  readonly runner?: AgentRunner;
  readonly limits?: Partial<DispatchLimits>;
  readonly writers?: readonly string[];
  /** The forge's answer to "may this user trigger agents?" from the start (before `setCanTrigger`). */
  readonly canTrigger?: ForgeLookup['canTrigger'];
  /** `forge.repositories`; empty (every repository) unless given. */
  readonly repositories?: readonly string[];
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Another store than SQLite in the data dir (PostgreSQL: several harnesses are several workers). */
  readonly store?: { readonly config: StoreConfig; readonly schema?: string; readonly workerId?: string };
  /** Called with the store before the dispatcher starts (a worker registers its lease there). */
  readonly beforeStart?: (store: Store) => Promise<void>;
}

export interface Harness {
  readonly store: Store;
  readonly dispatcher: Dispatcher;
  readonly comments: Array<{ issue: number; body: string; agent: string }>;
  readonly dataDir: string;
  /** Replaces the forge's answer to "may this user trigger agents?". */
  setCanTrigger(check: ForgeLookup['canTrigger']): void;
  /** Stores an event as the intake would (under a fresh delivery id) and tells the dispatcher. */
  deliver(event: ForgeEvent): Promise<string>;
  close(): Promise<void>;
}

let deliveries = 0;

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'claude-hooks-dispatch-'));
  const clock = options.clock ?? systemClock;
  const store = await openStore(options.store?.config ?? { kind: 'sqlite' }, {
    dataDir,
    clock,
    dedupWindowMs: 3600_000,
    schema: options.store?.schema,
    workerId: options.store?.workerId,
  });
  const writers = new Set(options.writers ?? ['alice', 'bob', 'boss', 'dev', 'reviewer']);
  const comments: Harness['comments'] = [];
  let canTrigger: ForgeLookup['canTrigger'] = options.canTrigger ?? (async (_repo, login) => writers.has(login));
  const forge: ForgeLookup = {
    canTrigger: (repo, login) => canTrigger(repo, login),
    pullHead: async () => undefined,
    comment: async (_repo, issue, body, agent) => {
      comments.push({ issue, body, agent });
    },
  };
  const dispatcher = createDispatcher({
    store: store.jobs,
    runner: options.runner ?? scriptedRunner().runner,
    route: { agents: options.agents ?? teamOfThree(), repositories: options.repositories ?? [], allowUsers: [], forge },
    limits: { concurrency: 2, perRepository: 2, maxAttempts: 3, backoffMs: 1000, pauseMs: 3600_000, ...options.limits },
    clock,
    log: options.log ?? silentLogger(),
  });
  store.onEvent((stored) => dispatcher.notify(stored));
  store.onJobsChanged(() => dispatcher.notify());
  await options.beforeStart?.(store);
  await dispatcher.start();
  return {
    store,
    dispatcher,
    comments,
    dataDir,
    setCanTrigger(check) {
      canTrigger = check;
    },
    async deliver(event) {
      const deliveryId = `test-${process.pid}-${++deliveries}`;
      await store.deliveries.record({
        deliveryId,
        source: 'webhook',
        forge: 'forgejo',
        eventType: event.type,
        receivedAt: clock.now(),
        headers: {},
        body: Buffer.from(JSON.stringify(event)),
        outcome: { kind: 'event', event },
      });
      return deliveryId;
    },
    async close() {
      await dispatcher.stop();
      await store.close();
    },
  };
}

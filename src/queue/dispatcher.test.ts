import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agent, teamOfThree } from '../../test/support/agents.js';
import { gate, scriptedRunner, startHarness } from '../../test/support/dispatch-harness.js';
import { commented, issueLabelled, issueOpened, REPO } from '../../test/support/events.js';
import { until } from '../../test/support/wait.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock, systemClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { openStore } from '../store/open-store.js';
import { createDispatcher } from './dispatcher.js';
import type { JobStore, StoredEvent } from './ports.js';
import type { ForgeEvent } from '../core/events.js';
import { ForgeApiError } from '../forge/client.js';
import type { RepoRef } from '../core/events.js';
import type { Store } from '../store/ports.js';

/** The agents' "not for me" decisions, oldest event first, as the delivery history reports them. */
async function routingSkips(store: Store): Promise<Array<{ agent: string; reason: string }>> {
  const deliveries = await store.deliveryHistory.recent(1000);
  return deliveries
    .reverse()
    .flatMap((d) =>
      (d.routing?.decisions ?? []).flatMap((decision) =>
        decision.kind === 'skipped' ? [{ agent: decision.agent, reason: decision.reason }] : [],
      ),
    );
}

describe('dispatcher', () => {
  it('turns a burst of 20 comments into one running job and one follow-up, losing and repeating none', async () => {
    const hold = gate();
    const { runner, runs, started } = scriptedRunner(async () => {
      await hold.promise;
      return { ok: true };
    });
    const h = await startHarness({ runner });
    const burst = Array.from({ length: 20 }, (_, i) => commented(7, 'alice', `@dev point ${i + 1}`));

    await h.deliver(burst[0]!);
    await started(1);
    for (const event of burst.slice(1)) await h.deliver(event);
    await until(
      async () => (await h.store.jobs.listJobs({ states: ['queued'] }))[0]?.eventIds.length === 19,
      'the follow-up to hold 19 events',
    );
    const running = await h.store.jobs.listJobs({ states: ['running'] });
    hold.open();
    await h.dispatcher.idle();

    assert.equal(running.length, 1);
    assert.equal(runs.length, 2);
    assert.deepEqual(runs[0]!.events, [burst[0]!.fingerprint]);
    assert.deepEqual(
      runs[1]!.events,
      burst.slice(1).map((e) => e.fingerprint),
    );
    assert.deepEqual(
      (await h.store.jobs.listJobs({})).map((j) => j.state),
      ['succeeded', 'succeeded'],
    );
    await h.close();
  });

  it('answers every event of a concurrent burst over many keys, none stranded', async () => {
    const { runner, runs } = scriptedRunner();
    const h = await startHarness({
      runner,
      limits: { concurrency: 20, perRepository: 20 },
      agents: teamOfThree().map((a) => ({ ...a, limits: { ...a.limits, concurrency: 20, runsPerHour: 1000 } })),
    });
    const events = Array.from({ length: 400 }, (_, i) => commented(1 + (i % 40), 'alice', `@dev ${i}`));

    await Promise.all(
      Array.from({ length: 8 }, async (_, lane) => {
        for (let i = lane; i < events.length; i += 8) await h.deliver(events[i]!);
      }),
    );
    await h.dispatcher.idle();

    const answered = runs.flatMap((r) => r.events).sort();
    assert.deepEqual(answered, events.map((e) => e.fingerprint).sort());
    await h.close();
  });

  it('routes an event handed over at any moment while routing winds down (no lost wake-up)', async () => {
    // The news of an event arrives k microtasks after a routing write returns: for some k that is
    // after the routing loop found its inbox empty and before it marked itself finished.
    for (let hops = 0; hops < 12; hops++) {
      const store = await openStore(
        { kind: 'sqlite' },
        { dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-wakeup-')), clock: systemClock, dedupWindowMs: 3600_000 },
      );
      const { runner, runs } = scriptedRunner();
      let lateNews: (() => void) | undefined;
      const jobs: JobStore = {
        ...store.jobs,
        commitRouting: async (batch, now) => {
          await store.jobs.commitRouting(batch, now);
          const news = lateNews;
          lateNews = undefined;
          const after = (left: number): void => (left > 0 ? queueMicrotask(() => after(left - 1)) : news?.());
          after(hops);
        },
      };
      const dispatcher = createDispatcher({
        store: jobs,
        runner,
        route: {
          agents: teamOfThree(),
          repositories: [],
          allowUsers: [],
          forge: { canTrigger: async () => true, pullHead: async () => undefined, comment: async () => undefined },
        },
        limits: { concurrency: 2, perRepository: 2, maxAttempts: 1, backoffMs: 1, pauseMs: 1 },
        clock: systemClock,
        log: silentLogger(),
      });
      await dispatcher.start();
      const record = async (event: ForgeEvent, deliveryId: string): Promise<StoredEvent> => {
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
      };
      const late = await record(commented(8, 'alice', '@dev late'), `late-${hops}`);
      const first = await record(commented(7, 'alice', '@dev first'), `first-${hops}`);
      lateNews = () => dispatcher.notify(late);

      dispatcher.notify(first);
      await dispatcher.idle();

      assert.deepEqual(
        runs.flatMap((r) => r.events).sort(),
        [first.event.fingerprint, late.event.fingerprint].sort(),
        `news ${hops} microtasks after a routing write`,
      );
      await dispatcher.stop();
      await store.close();
    }
  });

  it('keeps routing other events while the forge is down, and routes the held ones when it answers again', async () => {
    const clock = manualClock(Date.now());
    const { runner, runs, started } = scriptedRunner();
    let down = true;
    const h = await startHarness({ runner, clock, writers: ['alice'] });
    h.setCanTrigger(async (_repo, login) => {
      if (login === 'bob' && down)
        throw new ForgeApiError('GET', '/repos/acme/widget/collaborators/bob/permission', 502, 'bad gateway');
      return login === 'alice' || login === 'bob';
    });

    await h.deliver(commented(7, 'bob', '@dev from bob'));
    await h.deliver(commented(8, 'alice', '@dev from alice'));
    await started(1);
    await h.dispatcher.idle();
    down = false;
    clock.advance(60_000); // the held event's retry falls due: the dispatcher wakes for it
    await started(2);

    assert.deepEqual(
      runs.map((r) => r.request.key.issue),
      [8, 7],
    );
    await h.close();
  });

  it('records an event it cannot route for good (the forge said no) and goes on', async () => {
    const { runner, runs } = scriptedRunner();
    const h = await startHarness({ runner });
    h.setCanTrigger(async (_repo, login) => {
      if (login === 'bob')
        throw new ForgeApiError('GET', '/repos/acme/widget/collaborators/bob/permission', 404, 'not found');
      return true;
    });

    await h.deliver(commented(7, 'bob', '@dev from bob'));
    await h.deliver(commented(8, 'alice', '@dev from alice'));
    await h.dispatcher.idle();

    const skips = await routingSkips(h.store);
    assert.deepEqual(
      runs.map((r) => r.request.key.issue),
      [8],
    );
    assert.equal(skips.length, 1);
    assert.match(skips[0]!.reason, /could not be routed: forge API GET .* failed with 404/);
    await h.close();
  });

  it('records an event whose routing hit a fault (not a forge outage) and does not retry it', async () => {
    const clock = manualClock(Date.now());
    const { runner, runs } = scriptedRunner();
    const h = await startHarness({ runner, clock });
    let checks = 0;
    h.setCanTrigger(async (_repo, login) => {
      if (login !== 'bob') return true;
      checks++;
      throw new TypeError("Cannot read properties of undefined (reading 'permission')");
    });

    await h.deliver(commented(7, 'bob', '@dev from bob'));
    await h.deliver(commented(8, 'alice', '@dev from alice'));
    await h.dispatcher.idle();
    clock.advance(3600_000); // past every retry an outage would have had
    await h.dispatcher.idle();

    const [, bobs] = await h.store.deliveryHistory.recent(2);
    assert.deepEqual(
      runs.map((r) => r.request.key.issue),
      [8],
    );
    assert.equal(checks, 1);
    assert.deepEqual(bobs!.routing?.decisions, [
      {
        agent: '*',
        kind: 'skipped',
        reason: "could not be routed: Cannot read properties of undefined (reading 'permission')",
      },
    ]);
    await h.close();
  });

  it('starts a label agent when its label is added, not again on later label changes while it stays', async () => {
    const { runner, runs } = scriptedRunner();
    const h = await startHarness({ runner });
    const sets = [['agent/dev'], ['agent/dev', 'bug'], ['bug', 'agent/dev', 'p1'], ['bug'], ['bug', 'agent/dev']];
    const events = sets.map((labels) => issueLabelled(7, labels));

    for (const event of events) {
      await h.deliver(event);
      await h.dispatcher.idle();
    }

    assert.deepEqual(
      runs.map((r) => r.events),
      [[events[0]!.fingerprint], [events[4]!.fingerprint]],
    );
    await h.close();
  });

  it('compares each of a burst of label events with the one before it', async () => {
    const hold = gate();
    const { runner, runs, started } = scriptedRunner(async () => {
      await hold.promise;
      return { ok: true };
    });
    const h = await startHarness({ runner });
    await h.deliver(commented(9, 'alice', '@dev something else'));
    await started(1);
    const events = [['agent/dev'], ['agent/dev', 'bug'], ['bug'], ['bug', 'agent/dev']].map((labels) =>
      issueLabelled(7, labels),
    );

    for (const event of events) await h.deliver(event);
    hold.open();
    await h.dispatcher.idle();

    assert.deepEqual(
      runs.slice(1).flatMap((r) => r.events),
      [events[0]!.fingerprint, events[3]!.fingerprint],
    );
    await h.close();
  });

  it('holds back the later label events of an issue with one the forge could not route yet, so its added label is not lost', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-labels-'));
    const first = issueLabelled(7, ['agent/dev'], 'bob');
    const second = issueLabelled(7, ['agent/dev', 'bug'], 'alice');
    const stored = await openStore({ kind: 'sqlite' }, { dataDir, clock: systemClock, dedupWindowMs: 3600_000 });
    for (const [i, event] of [first, second].entries()) {
      await stored.deliveries.record({
        deliveryId: `labels-${i}`,
        source: 'webhook',
        forge: 'forgejo',
        eventType: 'issue_label',
        receivedAt: i,
        headers: {},
        body: Buffer.from('{}'),
        outcome: { kind: 'event', event },
      });
    }
    await stored.close(); // both wait in the store: start-up routes them in one batch
    let down = true;
    const { runner, runs, started } = scriptedRunner();
    const clock = manualClock(Date.now());

    const h = await startHarness({
      dataDir,
      runner,
      clock,
      canTrigger: async (_repo, login) => {
        if (login === 'bob' && down)
          throw new ForgeApiError('GET', '/repos/acme/widget/collaborators/bob/permission', 502, 'bad gateway');
        return true;
      },
    });
    await h.dispatcher.idle();
    const whileDown = runs.length;
    down = false;
    clock.advance(60_000); // the held events' retry falls due
    await started(1);
    await h.dispatcher.idle();

    assert.equal(whileDown, 0);
    assert.deepEqual(
      runs.map((r) => r.events),
      [[first.fingerprint]],
    );
    await h.close();
  });

  it('never runs two jobs of one key at once', async () => {
    let active = 0;
    let maxActive = 0;
    const { runner } = scriptedRunner(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active--;
      return { ok: true };
    });
    const h = await startHarness({ runner, limits: { concurrency: 4 } });

    for (let i = 0; i < 10; i++) {
      await h.deliver(commented(7, 'alice', `@dev ${i}`));
    }
    await h.dispatcher.idle();

    assert.equal(maxActive, 1);
    await h.close();
  });

  it('runs two agents on the same issue in parallel', async () => {
    const hold = gate();
    const { runner, runs, started } = scriptedRunner(async () => {
      await hold.promise;
      return { ok: true };
    });
    const h = await startHarness({ runner });

    await h.deliver(commented(7, 'alice', '@boss and @dev, together'));
    await started(2);
    hold.open();
    await h.dispatcher.idle();

    assert.deepEqual(runs.map((r) => r.request.key.agent).sort(), ['boss', 'dev']);
    await h.close();
  });

  it('holds the global limit under 50 keys at once, in FIFO order', async () => {
    let active = 0;
    let maxActive = 0;
    // Runs hold until every event is in: whether runs overlap is then the limit's to say, not how
    // fast the deliveries come compared with the runs.
    const delivered = gate();
    const { runner, runs } = scriptedRunner(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await delivered.promise;
      await new Promise((resolve) => setTimeout(resolve, 2));
      active--;
      return { ok: true };
    });
    const repos: RepoRef[] = Array.from({ length: 10 }, (_, i) => ({
      ...REPO,
      name: `repo${i}`,
      fullName: `acme/repo${i}`,
    }));
    const h = await startHarness({
      runner,
      limits: { concurrency: 3, perRepository: 3 },
      agents: teamOfThree().map((a) => ({ ...a, limits: { ...a.limits, concurrency: 3 } })),
    });

    for (let i = 0; i < 50; i++) await h.deliver(commented(100 + i, 'alice', '@dev go', { repo: repos[i % 10] }));
    delivered.open();
    await h.dispatcher.idle();

    assert.equal(runs.length, 50);
    assert.equal(maxActive, 3);
    const order = runs.map((r) => r.request.jobId);
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      'jobs start in the order they were queued',
    );
    await h.close();
  });

  it('holds the per-repository and per-agent limits', async () => {
    const counts = { repo: new Map<string, number>(), agent: new Map<string, number>() };
    let maxRepo = 0;
    let maxAgent = 0;
    const { runner } = scriptedRunner(async (request) => {
      const r = (counts.repo.get(request.key.repo) ?? 0) + 1;
      const a = (counts.agent.get(request.key.agent) ?? 0) + 1;
      counts.repo.set(request.key.repo, r);
      counts.agent.set(request.key.agent, a);
      maxRepo = Math.max(maxRepo, r);
      if (request.key.agent === 'dev') maxAgent = Math.max(maxAgent, a);
      await new Promise((resolve) => setTimeout(resolve, 2));
      counts.repo.set(request.key.repo, (counts.repo.get(request.key.repo) ?? 1) - 1);
      counts.agent.set(request.key.agent, (counts.agent.get(request.key.agent) ?? 1) - 1);
      return { ok: true };
    });
    const agents = [
      agent('dev', { limits: { runsPerHour: 6, concurrency: 1, maxTurns: 1, maxBudgetUsd: 1 } }),
      agent('boss'),
    ];
    const other: RepoRef = { ...REPO, name: 'other', fullName: 'acme/other' };
    const h = await startHarness({ runner, agents, limits: { concurrency: 5, perRepository: 2 } });

    for (let i = 0; i < 6; i++)
      await h.deliver(commented(i + 1, 'alice', '@dev @boss', { repo: i % 2 ? other : REPO }));
    await h.dispatcher.idle();

    assert.equal(maxRepo, 2, 'dispatch.perRepository');
    assert.equal(maxAgent, 1, 'agents.dev.limits.concurrency');
    await h.close();
  });

  it('retries a failure with exponential backoff, then fails the job keeping its error', async () => {
    const clock = manualClock();
    const { runner, runs } = scriptedRunner(() => ({ ok: false, error: 'model overloaded', retryable: true }));
    const h = await startHarness({ runner, clock, limits: { maxAttempts: 3, backoffMs: 1000 } });
    const queued = async () => (await h.store.jobs.listJobs({ states: ['queued'] }))[0];

    await h.deliver(commented(7, 'alice', '@dev'));
    await h.dispatcher.idle();
    const afterFirst = await queued();
    clock.advance(999);
    await h.dispatcher.idle();
    const beforeDue = runs.length;
    clock.advance(1); // the dispatcher's own wake-up, at the job's time: nobody tells it
    await h.dispatcher.idle();
    const afterSecond = await queued();
    clock.advance(2000);
    await h.dispatcher.idle();
    const [final] = await h.store.jobs.listJobs({});

    assert.equal(beforeDue, 1, 'not retried before its time');
    assert.equal(
      afterFirst!.notBefore - Date.parse('2026-01-01T00:00:00Z'),
      1000,
      'first retry after the base backoff',
    );
    assert.equal(afterSecond!.notBefore - afterFirst!.notBefore, 2000, 'second retry after twice the backoff');
    assert.equal(afterSecond!.attempts, 2);
    assert.deepEqual([runs.length, final!.state, final!.attempts, final!.error], [3, 'failed', 3, 'model overloaded']);
    await h.close();
  });

  it('rides out an outage past maxAttempts, with capped backoff, until the delays reach the outage horizon', async () => {
    const clock = manualClock();
    const { runner, runs } = scriptedRunner(() => ({
      ok: false,
      error: 'model-unavailable: overloaded (529)',
      retryable: true,
      outage: true,
    }));
    const h = await startHarness({
      runner,
      clock,
      limits: { maxAttempts: 2, backoffMs: 1000, maxBackoffMs: 2000, outageHorizonMs: 6000 },
    });
    const delays: number[] = [];

    await h.deliver(commented(7, 'alice', '@dev'));
    for (;;) {
      await h.dispatcher.idle();
      const [job] = await h.store.jobs.listJobs({});
      if (job!.state !== 'queued') break;
      delays.push(job!.notBefore - clock.now());
      clock.advance(job!.notBefore - clock.now());
    }
    const [final] = await h.store.jobs.listJobs({});

    // 1 s, then 2 s capped at 2 s: 1 + 2 + 2 = 5 s ≤ 6 s; one more (7 s) would pass the horizon.
    assert.deepEqual(delays, [1000, 2000, 2000]);
    assert.deepEqual([final!.state, final!.attempts, runs.map((r) => r.request.attempt)], ['failed', 4, [1, 2, 3, 4]]);
    await h.close();
  });

  it('tells the runner when a failed attempt would run again: the status comment says so', async () => {
    const answers: Array<[number | undefined, number | undefined]> = [];
    const { runner } = scriptedRunner((request) => {
      answers.push([request.nextRetry?.(false), request.nextRetry?.(true)]);
      return { ok: true };
    });
    const h = await startHarness({
      runner,
      limits: { maxAttempts: 1, backoffMs: 1000, maxBackoffMs: 60_000, outageHorizonMs: 600_000 },
    });

    await h.deliver(commented(7, 'alice', '@dev'));
    await h.dispatcher.idle();

    assert.deepEqual(answers, [[undefined, 1000]]);
    await h.close();
  });

  it('records the end of a job even when the store refuses it at first (disk full), keeping its slot meanwhile', async () => {
    const store = await openStore(
      { kind: 'sqlite' },
      { dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-full-')), clock: systemClock, dedupWindowMs: 0 },
    );
    let refusals = 2;
    const refused: Array<() => void> = [];
    const refusal = (n: number) => new Promise<void>((resolve) => (refused[n] = resolve));
    const [firstRefusal, secondRefusal] = [refusal(0), refusal(1)];
    const jobs: JobStore = Object.assign(Object.create(store.jobs) as JobStore, {
      finishJob: async (...args: Parameters<JobStore['finishJob']>) => {
        if (refusals > 0) {
          refusals -= 1;
          refused[1 - refusals]!();
          throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        }
        return store.jobs.finishJob(...args);
      },
    });
    const clock = manualClock(Date.now());
    const { runner, runs, started } = scriptedRunner();
    const dispatcher = createDispatcher({
      store: jobs,
      runner,
      route: {
        agents: teamOfThree(),
        repositories: [],
        allowUsers: [],
        forge: { canTrigger: async () => true, pullHead: async () => undefined, comment: async () => undefined },
      },
      limits: { concurrency: 1, perRepository: 1, maxAttempts: 3, backoffMs: 1, pauseMs: 1 },
      clock,
      log: silentLogger(),
    });
    const recorded = new Promise<void>((resolve) => {
      let ends = 0;
      dispatcher.subscribe((notice) => notice.type === 'job-finished' && ++ends === 2 && resolve());
    });
    store.onEvent((stored) => dispatcher.notify(stored));
    await dispatcher.start();
    try {
      await store.deliveries.record({
        deliveryId: 'full-1',
        source: 'webhook',
        forge: 'forgejo',
        eventType: 'comment',
        receivedAt: Date.now(),
        headers: {},
        body: Buffer.from('{}'),
        outcome: { kind: 'event', event: commented(7, 'alice', '@dev') },
      });
      await store.deliveries.record({
        deliveryId: 'full-2',
        source: 'webhook',
        forge: 'forgejo',
        eventType: 'comment',
        receivedAt: Date.now(),
        headers: {},
        body: Buffer.from('{}'),
        outcome: { kind: 'event', event: commented(8, 'alice', '@dev') },
      });
      await started(1);
      await firstRefusal;
      await new Promise((resolve) => setImmediate(resolve)); // the launcher sets its wait
      const whileRefused = await store.jobs.listJobs({ states: ['running'] });
      const runsWhileRefused = runs.length;
      clock.advance(1000);
      await secondRefusal;
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(2000);
      await recorded;

      assert.equal(whileRefused.length, 1, 'the job stays running (its slot held) while its end cannot be recorded');
      assert.equal(runsWhileRefused, 1, 'the second job waits for the slot');
      assert.equal(refusals, 0);
      assert.equal((await store.jobs.listJobs({ states: ['succeeded'] })).length, 2);
      assert.equal(runs.length, 2, 'the second job started once the first was recorded');
    } finally {
      await dispatcher.stop();
      await store.close();
    }
  });

  it('fails at once, without retrying, when the runner says the failure is final', async () => {
    const { runner, runs } = scriptedRunner(() => ({ ok: false, error: 'skill file missing', retryable: false }));
    const h = await startHarness({ runner });

    await h.deliver(commented(7, 'alice', '@dev'));
    await h.dispatcher.idle();

    assert.equal(runs.length, 1);
    assert.equal((await h.store.jobs.listJobs({}))[0]!.state, 'failed');
    await h.close();
  });

  it('fails a job for good, with its message, when the runner throws a fault rather than a transient error', async () => {
    const { runner, runs } = scriptedRunner(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'path')");
    });
    const h = await startHarness({ runner, limits: { maxAttempts: 3, backoffMs: 1 } });

    await h.deliver(commented(7, 'alice', '@dev'));
    await h.dispatcher.idle();

    const [job] = await h.store.jobs.listJobs({});
    assert.equal(runs.length, 1);
    assert.equal(job!.state, 'failed');
    assert.equal(job!.error, "Cannot read properties of undefined (reading 'path')");
    await h.close();
  });

  it('retries a job whose runner threw a transient error (the forge did not answer)', async () => {
    const { runner, started } = scriptedRunner((request) => {
      if (request.attempt === 1) throw new ForgeApiError('GET', '/repos/acme/widget/pulls/7', 503, 'unavailable');
      return { ok: true };
    });
    const h = await startHarness({ runner, limits: { maxAttempts: 3, backoffMs: 1 } });

    await h.deliver(commented(7, 'alice', '@dev'));
    await started(2);
    await h.dispatcher.idle();

    assert.equal((await h.store.jobs.listJobs({}))[0]!.state, 'succeeded');
    await h.close();
  });

  it('gives the attempt back to a job whose run could not begin (its worktree is leased), and runs it when it can', async () => {
    const { runner, runs, started } = scriptedRunner((request) =>
      runs.length === 1
        ? { ok: false, error: 'workspace: worktree is leased to job 1', retryable: true, wait: true }
        : { ok: true },
    );
    const waits: string[] = [];
    const h = await startHarness({ runner, limits: { maxAttempts: 1, leaseWaitMs: 10 } });
    h.dispatcher.subscribe((notice) => {
      if (notice.type === 'job-waiting') waits.push(notice.reason);
    });

    await h.deliver(commented(7, 'alice', '@dev'));
    await started(2);
    await h.dispatcher.idle();

    const [job] = await h.store.jobs.listJobs({});
    assert.deepEqual(waits, ['workspace: worktree is leased to job 1']);
    assert.deepEqual(
      runs.map((r) => r.request.attempt),
      [1, 1],
    );
    assert.equal(job!.state, 'succeeded');
    assert.equal(job!.attempts, 1);
    await h.close();
  });

  it('does not let a bot comment trigger its author', async () => {
    const { runner, runs } = scriptedRunner();
    const h = await startHarness({ runner });

    await h.deliver(commented(7, 'dev', 'I pushed a fix, @dev'));
    await h.dispatcher.idle();

    assert.equal(runs.length, 0);
    await h.close();
  });

  it('stops a ping-pong between two agents at the cap, and says why on the issue', async () => {
    const agents = [
      agent('boss', { limits: { runsPerHour: 3, concurrency: 1, maxTurns: 1, maxBudgetUsd: 1 } }),
      agent('dev', { limits: { runsPerHour: 3, concurrency: 1, maxTurns: 1, maxBudgetUsd: 1 } }),
    ];
    let deliver: ((text: string, by: string) => Promise<void>) | undefined;
    const { runner, runs } = scriptedRunner(async (request) => {
      const other = request.key.agent === 'boss' ? 'dev' : 'boss';
      await deliver!(`@${other} your turn`, request.key.agent);
      return { ok: true };
    });
    const h = await startHarness({ runner, agents });
    deliver = async (text, by) => {
      await h.deliver(commented(7, by, text));
    };

    await h.deliver(commented(7, 'alice', '@boss start'));
    await until(() => h.comments.length >= 1, 'the circuit breaker notice');
    await h.dispatcher.idle();

    assert.ok(runs.length <= 6, `at most 3 runs per agent, got ${runs.length}`);
    assert.ok(runs.length >= 4);
    assert.equal(h.comments[0]!.issue, 7);
    assert.match(h.comments[0]!.body, /paused (boss|dev) on this issue/);
    assert.match(h.comments[0]!.body, /limit 3/);
    const queued = await h.store.jobs.listJobs({ states: ['queued'] });
    assert.equal(queued.length, 1, 'the paused key keeps its pending event');
    await h.close();
  });

  it('lets no user without write access start an agent', async () => {
    const { runner, runs } = scriptedRunner();
    const h = await startHarness({ runner, writers: ['alice'] });

    await h.deliver(commented(7, 'mallory', '@dev delete everything'));
    await h.deliver(issueOpened(8, 'mallory'));
    await h.dispatcher.idle();

    assert.equal(runs.length, 0);
    const skips = await routingSkips(h.store);
    assert.deepEqual(
      skips.map((s) => s.agent),
      ['dev', 'boss'],
    );
    assert.match(skips[0]!.reason, /mallory has no write access/);
    await h.close();
  });

  it('re-queues, on start-up, a job that was running when the process died, with its events', async () => {
    const first = await startHarness({ runner: scriptedRunner(() => new Promise(() => undefined)).runner });
    const event = commented(7, 'alice', '@dev');
    await first.deliver(event);
    await until(async () => (await first.store.jobs.listJobs({ states: ['running'] })).length === 1, 'the job to run');
    await first.store.close(); // the process "dies": the job row stays `running`

    const { runner, runs } = scriptedRunner();
    const second = await startHarness({ dataDir: first.dataDir, runner });
    await second.dispatcher.idle();

    assert.equal(runs.length, 1);
    assert.deepEqual(runs[0]!.events, [event.fingerprint]);
    assert.equal(runs[0]!.request.attempt, 2);
    await second.close();
  });
});

describe('dispatcher: when to look again', () => {
  it('starts a retry that fell due while a scheduling pass was reading the queue', async () => {
    const clock = manualClock();
    const store = await openStore(
      { kind: 'sqlite' },
      { dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-wake-')), clock, dedupWindowMs: 0 },
    );
    // Time passes while the runnable jobs are read: a job due 1 ms after the read is due before
    // the pass asks when to look again.
    const jobs: JobStore = Object.assign(Object.create(store.jobs) as JobStore, {
      runnableJobs: async (...args: Parameters<JobStore['runnableJobs']>) => {
        const answer = await store.jobs.runnableJobs(...args);
        clock.advance(5);
        return answer;
      },
    });
    const { runner, started } = scriptedRunner((request) => {
      if (request.attempt === 1) throw new ForgeApiError('GET', '/repos/acme/widget/issues/7', 503, 'unavailable');
      return { ok: true };
    });
    const dispatcher = createDispatcher({
      store: jobs,
      runner,
      route: {
        agents: teamOfThree(),
        repositories: [],
        allowUsers: [],
        forge: { canTrigger: async () => true, pullHead: async () => undefined, comment: async () => undefined },
      },
      limits: { concurrency: 2, perRepository: 2, maxAttempts: 3, backoffMs: 1, pauseMs: 1 },
      clock,
      log: silentLogger(),
    });
    store.onEvent((stored) => dispatcher.notify(stored));
    await dispatcher.start();
    try {
      const event = commented(7, 'alice', '@dev');
      await store.deliveries.record({
        deliveryId: 'wake-1',
        source: 'webhook',
        forge: 'forgejo',
        eventType: 'comment',
        receivedAt: clock.now(),
        headers: {},
        body: Buffer.from('{}'),
        outcome: { kind: 'event', event },
      });

      await started(2);
      await dispatcher.idle();
      assert.equal((await store.jobs.listJobs({}))[0]?.state, 'succeeded');
    } finally {
      await dispatcher.stop();
      await store.close();
    }
  });
});

/**
 * The milestone driver (docs/milestones.md, decisions.md §58): it keeps each milestone moving.
 *
 * - **Learn.** Every stored event of a configured repository (told after it is committed) and
 *   every issue the poller's catch-up found changed — the only way to see a native dependency
 *   change — is read from the forge and recorded (`learn-issue.ts`), one issue at a time per
 *   issue, a burst of events on one issue read once.
 * - **Schedule.** Each milestone a change touched is rebuilt from the store (`milestone-view.ts`),
 *   once for a burst of changes, and its next stories are handed to the implementer
 *   (`hand-out.ts`) unless it is paused.
 * - **Upkeep.** Its tracking issue's block is rewritten when it changed, and its problems said
 *   once (`upkeep.ts`), behind the hand-out so that a slow forge edit delays no job.
 *
 * Bounded queues; an error is logged and the work it failed is tried again with the next event or
 * catch-up. It runs where its leader role runs (one worker at a time): `start` rebuilds every
 * milestone the store knows (the hand-outs a stop left undone happen then), `stop` finishes what
 * was asked before it. What a crash lost between an event's commit and its read, the poller's
 * catch-up at the next start reads again.
 */
import type { ForgeKind, IssueRef, PullRef, RepoRef } from '../core/events.js';
import { worksOn } from '../config/repositories.js';
import { repoKey } from '../core/events.js';
import type { StoredEvent } from '../core/stored-event.js';
import type { WorkKey } from '../core/work-key.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { MilestoneStore } from '../milestones/ports.js';
import { storiesToAdopt } from './adopt-stories.js';
import { asksForPlan, learnRequestsOf, pullRequest } from './event-requests.js';
import { handOut } from './hand-out.js';
import { createKeyedQueue, type KeyedQueue } from '../lib/keyed-queue.js';
import { type LearnDeps, type LearnRequest, learnIssue, mergeRequests } from './learn-issue.js';
import { milestoneDelivery, planEvent } from './milestone-events.js';
import { type MilestoneView, milestoneView, type ViewDeps } from './milestone-view.js';
import type { EventLog, IssueReader, JobsInFlight, MilestoneSettings, TrackingWriter } from './ports.js';
import { keepTrackingIssue } from './upkeep.js';

/** Issues read from the forge at once. */
const READS = 4;
/** Keys waiting in each queue at most; past it a request is dropped (and said). */
const MAX_PENDING = 10_000;

export interface MilestoneDriverOptions {
  readonly milestones: MilestoneStore;
  readonly jobs: JobsInFlight;
  readonly events: EventLog;
  /** Reads issues with the service's credential. */
  readonly reader: IssueReader;
  /** Whose issues may be stories: the planner agent, or a person who may start runs (`LearnDeps`). */
  readonly mayOpenStories: LearnDeps['mayOpenStories'];
  /** Whose pull requests stand for a story's work: the implementer, or a person who may start runs. */
  readonly mayOpenStoryPulls: LearnDeps['mayOpenStoryPulls'];
  /** Writes the tracking issues (the planner's client); without one their blocks are not kept. */
  readonly writer: TrackingWriter | undefined;
  /** The service's one redactor, for everything the driver writes on the forge. */
  readonly redact: (text: string) => string;
  readonly settings: MilestoneSettings;
  /** The implementer agents' names: their jobs are a story's work. */
  readonly implementers: readonly string[];
  /** `owner/name` of the repositories the service works on; empty: every repository that sends events. */
  readonly repositories: readonly string[];
  readonly forge: ForgeKind;
  readonly clock: Clock;
  readonly log: Logger;
}

/** An issue or pull request the poller found changed, as it read it. */
export interface CaughtUp {
  readonly issue: IssueRef;
  readonly pull?: PullRef | undefined;
}

export interface MilestoneDriver {
  /** A stored event (after its commit). */
  notice(stored: StoredEvent): void;
  /** What the poller's catch-up found changed in `repo`. */
  caughtUp(repo: RepoRef, found: readonly CaughtUp[]): void;
  /** An implementer's job ended: its story's milestone may have a place free. */
  jobEnded(key: WorkKey): void;
  /** Rebuild a milestone now (an operator paused or resumed it). `repo` is a repository key. */
  touch(repo: string, tracking: number): void;
  /** One milestone decided, as the driver sees it (for the CLI, the dashboard, the admin API). */
  view(repo: string, tracking: number): Promise<MilestoneView | undefined>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Settles when nothing is left to learn, rebuild or write. */
  idle(): Promise<void>;
}

interface Rebuild {
  readonly repo: string;
  readonly tracking: number;
}

interface Upkeep {
  readonly repo: RepoRef;
  readonly view: MilestoneView;
}

export function createMilestoneDriver(options: MilestoneDriverOptions): MilestoneDriver {
  const { milestones, clock, log, settings } = options;
  const viewDeps: ViewDeps = { milestones, jobs: options.jobs, implementers: options.implementers, settings };
  const repos = new Map<string, RepoRef>();
  /** Per repository key and issue: the milestones that name it as an upstream issue outside them. */
  const upstreamOf = new Map<string, Set<number>>();
  /** Per milestone key: the outside issues it was last indexed under. */
  const indexed = new Map<string, readonly number[]>();
  const handed = new Set<string>();
  const retryLearn = new Map<string, LearnRequest>();
  const retryRebuild = new Map<string, Rebuild>();
  /** Story reads for finished jobs, waited for by `idle`. */
  const reads = new Set<Promise<void>>();
  let active = false;

  const milestoneKey = (repo: string, tracking: number) => `${repo}#${tracking}`;
  const configured = (repo: RepoRef) => worksOn(options.repositories, repo.fullName);

  const learnQueue: KeyedQueue<LearnRequest> = createKeyedQueue({
    concurrency: READS,
    maxPending: MAX_PENDING,
    merge: mergeRequests,
    run: async (key, request) => {
      const learned = await learnIssue(
        {
          milestones,
          reader: options.reader,
          settings,
          clock,
          isUpstream: (repo, n) => (upstreamOf.get(`${repo}#${n}`)?.size ?? 0) > 0,
          mayOpenStories: options.mayOpenStories,
          mayOpenStoryPulls: options.mayOpenStoryPulls,
        },
        request,
      );
      const repo = repoKey(request.repo);
      for (const tracking of learned.touched) rebuild(repo, tracking);
      for (const tracking of upstreamOf.get(key) ?? []) rebuild(repo, tracking);
      for (const tracking of learned.optedIn) await adopt(request.repo, tracking);
    },
    failed: (key, request, error) => {
      retryLearn.set(key, request);
      log.warn(
        { err: error, issue: key },
        'could not learn an issue for its milestone; will retry with the next event',
      );
    },
    dropped: (key) => log.warn({ issue: key }, 'too many issues to learn at once; this one waits for its next event'),
  });

  const rebuildQueue: KeyedQueue<Rebuild> = createKeyedQueue({
    concurrency: 1,
    maxPending: MAX_PENDING,
    merge: (_older, newer) => newer,
    run: async (key, { repo, tracking }) => {
      let view = await milestoneView(viewDeps, repo, tracking);
      index(repo, tracking, view);
      if (view === undefined || !view.milestone.optedIn) return;
      const repoRef = await repoRefOf(repo);
      const started = await handOut({ events: options.events, forge: options.forge, clock, handed }, repoRef, view);
      if (started.length > 0) {
        log.info({ repo, tracking, stories: started }, 'milestone stories handed to the implementer');
        // Read again so the block says they are in progress.
        view = (await milestoneView(viewDeps, repo, tracking)) ?? view;
      }
      if (options.writer) upkeepQueue.add(key, { repo: repoRef, view });
    },
    failed: (key, value, error) => {
      retryRebuild.set(key, value);
      log.warn({ err: error, milestone: key }, 'could not rebuild a milestone; will retry with the next event');
    },
    dropped: (key) => log.warn({ milestone: key }, 'too many milestones to rebuild at once; this one waits'),
  });

  const upkeepQueue: KeyedQueue<Upkeep> = createKeyedQueue({
    concurrency: 1,
    maxPending: MAX_PENDING,
    merge: (_older, newer) => newer,
    run: async (key, { repo, view }) => {
      if (!options.writer) return;
      const done = await keepTrackingIssue(
        { milestones, reader: options.reader, writer: options.writer, redact: options.redact, clock },
        repo,
        view,
      );
      if (done.edited) log.info({ milestone: key }, 'tracking issue block rewritten');
      if (done.said) log.info({ milestone: key, problems: view.graph.problems.length }, 'milestone problems said');
    },
    failed: (key, { view }, error) => {
      retryRebuild.set(key, { repo: view.repo, tracking: view.milestone.tracking });
      log.warn({ err: error, milestone: key }, 'could not update a tracking issue; will retry with the next event');
    },
    dropped: (key) => log.warn({ milestone: key }, 'too many tracking issues to update at once; this one waits'),
  });

  const planQueue: KeyedQueue<StoredEvent> = createKeyedQueue({
    concurrency: 1,
    maxPending: MAX_PENDING,
    merge: (_older, newer) => newer,
    run: async (_key, { event }) => {
      if (!asksForPlan(event, settings.planLabel)) return;
      // Planned already: its stories link to it.
      if ((await milestones.storiesOf(repoKey(event.repo), event.issue.number)).length > 0) return;
      await options.events.record(milestoneDelivery(planEvent(event, settings.planLabel), clock.now()));
    },
    failed: (key, _event, error) => log.warn({ err: error, issue: key }, 'could not record a plan request'),
    dropped: (key) => log.warn({ issue: key }, 'too many plan requests at once; this one is dropped'),
  });

  function rebuild(repo: string, tracking: number): void {
    rebuildQueue.add(milestoneKey(repo, tracking), { repo, tracking });
  }

  function learn(request: LearnRequest): void {
    learnQueue.add(`${repoKey(request.repo)}#${request.number}`, request);
  }

  /** Records which outside (or missing) issues a milestone waits on, so their changes rebuild it. */
  function index(repo: string, tracking: number, view: MilestoneView | undefined): void {
    const key = milestoneKey(repo, tracking);
    for (const n of indexed.get(key) ?? []) upstreamOf.get(`${repo}#${n}`)?.delete(tracking);
    const outside = view
      ? [...new Set(view.stories.flatMap((s) => s.upstream))].filter((n) => !view.graph.stories.has(n))
      : [];
    indexed.set(key, outside);
    for (const n of outside) {
      const at = `${repo}#${n}`;
      upstreamOf.set(at, (upstreamOf.get(at) ?? new Set<number>()).add(tracking));
    }
  }

  async function adopt(repo: RepoRef, tracking: number): Promise<void> {
    for (const request of await storiesToAdopt({ milestones, reader: options.reader }, repo, tracking)) learn(request);
  }

  async function repoRefOf(key: string): Promise<RepoRef> {
    const known = repos.get(key);
    if (known) return known;
    const [, owner, name] = key.split('/');
    const repo = await options.reader.getRepository(`${owner}/${name}`);
    repos.set(key, repo);
    return repo;
  }

  function retryFailed(): void {
    const learns = [...retryLearn.values()];
    const rebuilds = [...retryRebuild.values()];
    retryLearn.clear();
    retryRebuild.clear();
    for (const request of learns) learn(request);
    for (const { repo, tracking } of rebuilds) rebuild(repo, tracking);
  }

  return {
    notice(stored) {
      const { event } = stored;
      if (!active || !configured(event.repo)) return;
      repos.set(repoKey(event.repo), event.repo);
      retryFailed();
      for (const request of learnRequestsOf(event)) learn(request);
      if (asksForPlan(event, settings.planLabel)) planQueue.add(event.fingerprint, stored);
    },
    caughtUp(repo, found) {
      if (!active || !configured(repo)) return;
      repos.set(repoKey(repo), repo);
      retryFailed();
      for (const { issue, pull } of found) {
        if (!issue.isPull) learn({ repo, number: issue.number, issue });
        else if (pull) {
          const request = pullRequest(repo, pull);
          if (request) learn(request);
        }
      }
    },
    jobEnded(key) {
      if (!active || !options.implementers.includes(key.agent)) return;
      const reading = milestones
        .getStory(key.repo, key.issue)
        .then((story) => {
          if (story?.tracking !== undefined) rebuild(key.repo, story.tracking);
        })
        .catch((error: unknown) => log.warn({ err: error }, 'could not read the story of a finished job'))
        .finally(() => reads.delete(reading));
      reads.add(reading);
    },
    touch(repo, tracking) {
      if (!active) return;
      retryFailed();
      rebuild(repo.toLowerCase(), tracking);
    },
    view: (repo, tracking) => milestoneView(viewDeps, repo, tracking),
    async start() {
      active = true;
      try {
        for (const m of await milestones.listMilestones()) if (m.optedIn) rebuild(m.repo, m.tracking);
      } catch (error) {
        log.warn(
          { err: error },
          'could not list the milestones to rebuild at start; each is rebuilt with its next event',
        );
      }
    },
    async stop() {
      active = false;
      await drain();
    },
    idle: drain,
  };

  async function drain(): Promise<void> {
    const queues = [learnQueue, planQueue, rebuildQueue, upkeepQueue];
    while (reads.size > 0 || queues.some((q) => q.size() > 0)) {
      await Promise.all(reads);
      for (const q of queues) await q.idle();
    }
  }
}

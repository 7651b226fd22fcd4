/**
 * The pull watch (docs/until-merged.md, decisions.md §59): it sees each agent's pull request
 * through to the merge.
 *
 * - **Watch.** Every PR an implementer opened from its `issue-<N>-…` branch — or a person opened
 *   from one and assigned to it — is recorded from its events (and from the poller's catch-up):
 *   its head, its base, whether it is still open.
 * - **Checks.** A check result for a watched head is taken into its record (`pulls/take-check.ts`);
 *   one for any other commit is dropped here without a forge call (routing records why). A
 *   commit status is read as it comes; an Actions run or job result makes the watch read the
 *   head's commit statuses, which Actions post per job, so one failure is not counted three times.
 *   A failure wakes the author with a `checks_failed` event naming the failed checks and the end of
 *   each failing job's log, within the cap; a flake suspect is rerun once; at the cap the author's
 *   user says so on the PR and the `needs-human` label is set.
 * - **Conflicts.** A push to a watched PR's base, or a PR event saying it no longer merges, makes
 *   the watch read the PR: one that does not merge any more gets a `conflicted` event.
 * - **Merge when green.** In a repository opted in, a PR whose checks all passed and whose head a
 *   person or the reviewer approved is handed to the forge to merge (`merge_when_checks_succeed`),
 *   never forced past branch protection. The forge's merge event then drives the milestone.
 *
 * Reads use the service's credential; a rerun, the merge and the cap's comment and label are the
 * PR author's own user's (the service's token may be read-only).
 *
 * One PR at a time per PR (a keyed queue); the records are the store's, so attempts count across
 * restarts. `start` and every catch-up read the commit statuses of each open watched PR's head:
 * what a crash or a lost delivery missed is read again, and the events' fingerprints keep it from
 * doubling.
 */
import type { AgentConfig } from '../config/types.js';
import { namesRepository, worksOn } from '../config/repositories.js';
import { policyOf } from '../config/roles.js';
import {
  type CheckEvent,
  type ForgeKind,
  type PullEvent,
  type PullRef,
  type RepoRef,
  repoKey,
  SERVICE_ACTOR,
} from '../core/events.js';
import { issueOfBranch } from '../core/pull-of.js';
import type { StoredEvent } from '../core/stored-event.js';
import type { ForgeClient } from '../forge/client.js';
import type { DeliveryStore } from '../intake/ports.js';
import type { Clock, Timer } from '../lib/clock.js';
import { createKeyedQueue } from '../lib/keyed-queue.js';
import type { Logger } from '../lib/logger.js';
import { waitingOn } from '../pulls/merge-readiness.js';
import type { PullWatchStore, WatchedPull } from '../pulls/ports.js';
import { firstRecord, withPull } from '../pulls/record.js';
import { type CheckResult, type CheckVerdict, failing, takeCheck } from '../pulls/take-check.js';
import { eventResult, statusResults } from './check-results.js';
import { describeFailures } from './failures.js';
import { mergeWhenGreen } from './merge.js';
import { checksFailedEvent, conflictedEvent, watchDelivery } from './watch-events.js';

/** What the watch reads and asks of the forge with the service's credential. */
export type WatchReader = Pick<
  ForgeClient,
  | 'getPull'
  | 'getRepository'
  | 'listCommitStatuses'
  | 'listActionRuns'
  | 'listRunJobs'
  | 'jobLogTail'
  | 'requiredChecks'
  | 'listPullReviews'
  | 'listPullFiles'
>;

/**
 * What the author's own user does on its pull request: the cap's comment and label, a rerun, the
 * merge — writes the service's credential (a read-only one, docs/forge-setup.md) may not make.
 */
export type AuthorWriter = Pick<ForgeClient, 'createComment' | 'addLabels' | 'rerunFailedJobs' | 'mergePull'>;

export interface PullWatchSettings {
  readonly fixAttempts: number;
  readonly needsHumanLabel: string;
  readonly logTailBytes: number;
  readonly mergeWhenGreen: readonly string[];
  readonly mergeStyle: 'merge' | 'rebase' | 'rebase-merge' | 'squash' | 'fast-forward-only';
}

export interface PullWatchOptions {
  readonly store: PullWatchStore;
  /** Where the watch's own events go: stored like a polled event, durably, before they are routed. */
  readonly events: Pick<DeliveryStore, 'record'>;
  readonly reader: WatchReader;
  /** The forge client of an agent (by name), to speak as the PR's author. */
  readonly writerFor: (agent: string) => AuthorWriter | undefined;
  readonly agents: readonly AgentConfig[];
  readonly settings: PullWatchSettings;
  /** `owner/name` of the repositories the service works on; empty: every repository that sends events. */
  readonly repositories: readonly string[];
  readonly forge: ForgeKind;
  /** The one redactor, for everything the watch writes on the forge. */
  readonly redact: (text: string) => string;
  readonly clock: Clock;
  readonly log: Logger;
  /**
   * How long after a push to a watched PR's base its mergeability is read: the forge works it out
   * in the background after the push (Gitea's and Forgejo's "checking" state).
   */
  readonly probeDelayMs?: number;
}

/** An issue or pull request the poller found changed, as it read it. */
export interface WatchCaughtUp {
  readonly pull?: PullRef | undefined;
}

export interface PullWatch {
  /** A stored event (after its commit). */
  notice(stored: StoredEvent): void;
  /** The poller's catch-up of `repo`: the PRs it found changed; every watched head's statuses are read. */
  caughtUp(repo: RepoRef, found: readonly WatchCaughtUp[]): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Settles when nothing is left to do. */
  idle(): Promise<void>;
}

type Request =
  | { readonly kind: 'pull'; readonly repo: RepoRef; readonly pull: PullRef; readonly merged?: boolean }
  | { readonly kind: 'result'; readonly repo: RepoRef; readonly result: CheckResult }
  | { readonly kind: 'read-statuses'; readonly repo: RepoRef; readonly sha: string; readonly fallback?: CheckResult }
  | { readonly kind: 'merge'; readonly repo: RepoRef; readonly number: number }
  | { readonly kind: 'probe'; readonly repo: RepoRef; readonly number: number; readonly baseSha: string };

export function createPullWatch(options: PullWatchOptions): PullWatch {
  const { store, reader, settings, clock, log } = options;
  const failures = { reader, logTailBytes: settings.logTailBytes, redact: options.redact, log };
  const timers = new Set<Timer>();
  /** Store reads that will add work, waited for by `idle`. */
  const reads = new Set<Promise<void>>();
  const track = (read: Promise<void>, failure: string) => {
    const tracked: Promise<void> = read
      .catch((error: unknown) => log.warn({ err: error }, failure))
      .finally(() => reads.delete(tracked));
    reads.add(tracked);
  };
  const requiredCache = new Map<string, { readonly at: number; readonly contexts: readonly string[] | undefined }>();
  let active = false;

  const configured = (repo: RepoRef) => worksOn(options.repositories, repo.fullName);
  /** Whether the repository (a `RepoRef`, or a record's repository key `host/owner/name`) merges when green. */
  const merging = (repo: string | RepoRef) =>
    namesRepository(
      settings.mergeWhenGreen,
      typeof repo === 'string' ? repo.split('/').slice(1).join('/') : repo.fullName,
    );
  const agentNamed = (name: string) => options.agents.find((agent) => agent.name === name);
  /** The implementer whose PR of an issue branch it is, and that issue. */
  const ownerOf = (pull: PullRef): { agent: AgentConfig; issue: number } | undefined => {
    const issue = issueOfBranch(pull.headRef);
    if (issue === undefined) return undefined;
    const implementer = (login: string) =>
      options.agents.find((a) => a.login.toLowerCase() === login.toLowerCase() && policyOf(a).pullsBelongToIssue);
    // Its author's, or — a person's PR of an issue branch, assigned to the implementer — the one asked to look after it.
    const agent = implementer(pull.author.login) ?? pull.assignees.map(implementer).find((a) => a !== undefined);
    return agent ? { agent, issue } : undefined;
  };

  const queue = createKeyedQueue<Request[]>({
    concurrency: 4,
    maxPending: 10_000,
    run: async (_key, requests) => {
      for (const request of requests) await handle(request);
    },
    merge: (older, newer) => [...older, ...newer],
    failed: (key, _requests, error) => log.warn({ err: error, pull: key }, 'could not act on a pull request'),
    dropped: (key) =>
      log.warn({ pull: key }, 'too much pull request work waiting; dropped (the next catch-up reads it again)'),
  });
  const add = (repo: RepoRef, number: number, request: Request) => {
    if (!active) return;
    queue.add(`${repoKey(repo)}#${number}`, [request]);
  };

  async function handle(request: Request): Promise<void> {
    switch (request.kind) {
      case 'pull':
        return takePull(request.repo, request.pull);
      case 'result':
        return takeResults(request.repo, [request.result], request.result.sha);
      case 'read-statuses':
        return readStatuses(request.repo, request.sha, request.fallback);
      case 'merge': {
        const pull = await store.getWatched(repoKey(request.repo), request.number);
        if (pull) await maybeMerge(request.repo, pull);
        return;
      }
      case 'probe':
        return probe(request.repo, request.number, request.baseSha);
    }
  }

  /** Reads a watched PR after its base moved: one that no longer merges asks its author to rebase. */
  async function probe(repo: RepoRef, number: number, baseSha: string): Promise<void> {
    const watched = await store.getWatched(repoKey(repo), number);
    if (watched?.state !== 'open') return;
    const pull = await reader.getPull(repo.fullName, number);
    if (pull.state === 'open' && pull.mergeable === false) await conflicted(repo, watched, pull, baseSha);
  }

  /** Records a PR of an agent (new, moved, closed); a PR that says it no longer merges asks for a rebase. */
  async function takePull(repo: RepoRef, pull: PullRef): Promise<void> {
    const owner = ownerOf(pull);
    if (!owner) return;
    const now = clock.now();
    const watcher = { repo: repoKey(repo), agent: owner.agent.name, issue: owner.issue, merging: merging(repo) };
    const known = await store.getWatched(watcher.repo, pull.number);
    const next = withPull(known ?? firstRecord(watcher, pull, now), pull, now);
    await save(next);
    if (next.state === 'open' && pull.mergeable === false) await conflicted(repo, next, pull, '');
  }

  /** Takes results for the head `sha` into each open watched PR with that head. */
  async function takeResults(repo: RepoRef, results: readonly CheckResult[], sha: string): Promise<void> {
    for (const watched of await store.watchedByHead(repoKey(repo), sha)) {
      if (watched.state !== 'open') continue;
      // Branch protection matters for a failure (is it required?) and for merging (are all required
      // checks green?); a pass or a pending result of a repository that does not merge costs no call.
      const needed = results.some((result) => result.state === 'failure') || merging(repo);
      const required = needed ? await requiredFor(repo, watched.baseRef) : undefined;
      let pull = watched;
      const wakes: Array<Extract<CheckVerdict, { kind: 'wake' }> & { context: string }> = [];
      const reruns = new Map<number | undefined, CheckResult>();
      let cap = false;
      let green = false;
      for (const result of results) {
        const taken = takeCheck(pull, result, { cap: settings.fixAttempts, required }, clock.now());
        pull = taken.pull;
        const { verdict } = taken;
        if (verdict.kind === 'wake') wakes.push({ ...verdict, context: result.context });
        else if (verdict.kind === 'rerun') reruns.set(verdict.run, result);
        else if (verdict.kind === 'cap') cap = true;
        else if (verdict.kind === 'green') green = true;
        else if (verdict.kind === 'ignore')
          log.info({ pull: pull.number, sha, check: result.context, reason: verdict.reason }, 'check result ignored');
      }
      for (const [run, result] of reruns) {
        if (await rerun(repo, pull, run)) continue;
        // Nothing to rerun (a status no Actions run posted): the failure stands, as a second one would.
        const taken = takeCheck(pull, result, { cap: settings.fixAttempts, required }, clock.now());
        pull = taken.pull;
        if (taken.verdict.kind === 'wake') wakes.push({ ...taken.verdict, context: result.context });
        else if (taken.verdict.kind === 'cap') cap = true;
      }
      if (wakes.length > 0) await wake(repo, pull, wakes);
      if (cap) await sayCap(repo, pull);
      await save(pull);
      if (green) await maybeMerge(repo, pull);
    }
  }

  /** Reads a head's commit statuses (at start, in a catch-up, after an Actions run or job result) and takes them. */
  async function readStatuses(repo: RepoRef, sha: string, fallback: CheckResult | undefined): Promise<void> {
    const results = statusResults(sha, await reader.listCommitStatuses(repo.fullName, sha));
    // A forge whose Actions post no statuses: the run's or job's own result stands in.
    const taken = results.length > 0 ? results : fallback ? [fallback] : [];
    if (taken.length > 0) await takeResults(repo, taken, sha);
  }

  /**
   * Reruns the failed jobs of `run` — or, when the result did not name it (a commit status), of
   * the head's latest failed Actions run; false when there is none or the forge refused.
   */
  async function rerun(repo: RepoRef, pull: WatchedPull, run: number | undefined): Promise<boolean> {
    try {
      const id =
        run ??
        (await reader.listActionRuns(repo.fullName, pull.headSha))
          .filter((r) => r.conclusion === 'failure')
          .sort((a, b) => b.id - a.id)[0]?.id;
      const writer = writerFor(pull);
      if (id === undefined || !writer) return false;
      await writer.rerunFailedJobs(repo.fullName, id);
      log.info(
        { pull: pull.number, run: id },
        'a check that passed on this head failed: its failed jobs are rerun once',
      );
      return true;
    } catch (error) {
      log.warn({ err: error, pull: pull.number, run }, 'could not rerun a failed run');
      return false;
    }
  }

  /** Tells the author of the failed checks: one event, with each failing job's log tail. */
  async function wake(
    repo: RepoRef,
    pull: WatchedPull,
    wakes: ReadonlyArray<Extract<CheckVerdict, { kind: 'wake' }> & { context: string }>,
  ): Promise<void> {
    const agent = agentNamed(pull.agent);
    if (!agent) return;
    const more = wakes.every((w) => w.more);
    const contexts = new Set(more ? wakes.map((w) => w.context) : failing(pull.checks).map((c) => c.context));
    const checks = pull.checks.filter((check) => check.state === 'failure' && contexts.has(check.context));
    const failed = await describeFailures(failures, repo, pull.headSha, checks);
    const attempt = Math.max(...wakes.map((w) => w.attempt));
    const event = checksFailedEvent(options.forge, repo, pullRefOf(pull, agent), {
      sha: pull.headSha,
      attempt,
      cap: settings.fixAttempts,
      failed,
      ...(more ? { more: true } : {}),
    });
    await options.events.record(watchDelivery(event, clock.now()));
    log.info(
      { pull: pull.number, sha: pull.headSha, attempt, checks: failed.map((check) => check.context) },
      'checks failed: the author is asked to fix them',
    );
  }

  /** The fix attempts are used up: the author's user says so on the PR, and the label asks a person. */
  async function sayCap(repo: RepoRef, pull: WatchedPull): Promise<void> {
    const writer = writerFor(pull);
    if (!writer) return;
    const body = options.redact(
      `I tried to fix the failing checks of this pull request ${pull.attempts} times, the most I am allowed (pulls.fixAttempts), and they still fail on ${pull.headSha.slice(0, 12)}. A person needs to look at it: I am not woken for its checks any more.`,
    );
    await writer.createComment(repo.fullName, pull.number, body);
    await writer.addLabels(repo.fullName, pull.number, [settings.needsHumanLabel]);
    log.warn({ pull: pull.number, attempts: pull.attempts }, 'fix attempts used up: said on the pull request');
  }

  /** Asks the forge to merge a green PR of a repository that opted in, once a person or the reviewer approved its head. */
  async function maybeMerge(repo: RepoRef, pull: WatchedPull): Promise<void> {
    const writer = writerFor(pull);
    const author = agentNamed(pull.agent)?.login;
    if (!merging(repo) || !writer || author === undefined) return;
    const now = clock.now();
    const merger = { reader, style: settings.mergeStyle, redact: options.redact, log };
    const attempt = await mergeWhenGreen(merger, repo.fullName, pull, author, writer, now);
    if (!attempt) return;
    const state = attempt.merge.kind === 'merged' ? ('merged' as const) : pull.state;
    await save({ ...pull, merge: attempt.merge, state, updatedAt: now }, attempt.waiting);
  }

  async function conflicted(repo: RepoRef, pull: WatchedPull, ref: PullRef, baseSha: string): Promise<void> {
    const agent = agentNamed(pull.agent);
    if (!agent) return;
    const event = conflictedEvent(
      options.forge,
      repo,
      { ...ref, author: { login: agent.login, id: ref.author.id } },
      {
        base: pull.baseRef,
        baseSha,
      },
    );
    await options.events.record(watchDelivery(event, clock.now()));
    log.info(
      { pull: pull.number, base: pull.baseRef },
      'the pull request no longer merges: its author is asked to rebase',
    );
  }

  /** Writes the record with what it waits on now; `reason` says why merging waits, when it does. */
  async function save(pull: WatchedPull, reason?: string): Promise<void> {
    const waiting = reason ?? waitingOn(pull, merging(pull.repo));
    await store.saveWatched({ ...pull, waitingOn: waiting });
    if (pull.state === 'open') bases.add(baseKey(pull.repo, pull.baseRef));
  }

  /**
   * The branches open watched PRs are based on (`repo:branch`), so a push to any other branch —
   * most pushes: dev's own — costs no store read. Filled at start, grown by every save; a base no
   * PR uses any more only costs a read.
   */
  const bases = new Set<string>();
  const baseKey = (repo: string, branch: string) => `${repo}:${branch}`;

  const writerFor = (pull: WatchedPull) => options.writerFor(pull.agent);

  /** The repository a record names, as events carry it: learned from events, else read once. */
  const repoRefs = new Map<string, RepoRef>();
  async function repoRefOf(key: string): Promise<RepoRef> {
    const known = repoRefs.get(key);
    if (known) return known;
    const repo = await reader.getRepository(key.split('/').slice(1).join('/'));
    repoRefs.set(key, repo);
    return repo;
  }

  /** Reads the statuses of every open watched head (of `only`, a repository key, when given). */
  async function readAllHeads(only?: string): Promise<void> {
    for (const pull of await store.listWatched({ open: true, limit: 10_000 })) {
      bases.add(baseKey(pull.repo, pull.baseRef));
      if (only !== undefined && pull.repo !== only) continue;
      const repo = await repoRefOf(pull.repo);
      add(repo, pull.number, { kind: 'read-statuses', repo, sha: pull.headSha });
    }
  }

  async function requiredFor(repo: RepoRef, branch: string): Promise<readonly string[] | undefined> {
    const key = `${repoKey(repo)}:${branch}`;
    const cached = requiredCache.get(key);
    if (cached && clock.now() - cached.at < 5 * 60_000) return cached.contexts;
    const contexts = await reader.requiredChecks(repo.fullName, branch).catch(() => undefined);
    requiredCache.set(key, { at: clock.now(), contexts });
    return contexts;
  }

  const pullRefOf = (pull: WatchedPull, agent: AgentConfig): PullRef => ({
    number: pull.number,
    title: pull.title,
    body: '',
    author: { login: agent.login, id: 0 },
    state: 'open',
    merged: false,
    headRef: pull.headRef,
    headSha: pull.headSha,
    baseRef: pull.baseRef,
    labels: [],
    assignees: [],
    requestedReviewers: [],
    updatedAt: new Date(pull.updatedAt).toISOString(),
  });

  return {
    notice(stored) {
      const { event } = stored;
      if (!active || !configured(event.repo)) return;
      repoRefs.set(repoKey(event.repo), event.repo);
      if (event.type === 'check') return noticeCheck(event);
      if (event.type === 'pull_request' && event.actor.login !== SERVICE_ACTOR.login) return noticePull(event);
      if (event.type === 'review' && event.state === 'approved' && ownerOf(event.pull))
        return add(event.repo, event.pull.number, { kind: 'merge', repo: event.repo, number: event.pull.number });
      if (event.type === 'push' && event.ref.startsWith('refs/heads/'))
        return noticeBasePush(event.repo, event.ref.slice(11), event.after);
    },
    caughtUp(repo, found) {
      if (!active || !configured(repo)) return;
      repoRefs.set(repoKey(repo), repo);
      for (const { pull } of found) if (pull && ownerOf(pull)) add(repo, pull.number, { kind: 'pull', repo, pull });
      track(readAllHeads(repoKey(repo)), 'could not read the watched heads in a catch-up');
    },
    async start() {
      active = true;
      // What a crash or a lost delivery missed: every open watched head's statuses, read again.
      track(readAllHeads(), 'could not read the watched heads at start');
    },
    async stop() {
      active = false;
      for (const timer of timers) timer.cancel();
      await queue.idle();
    },
    async idle() {
      while (reads.size > 0) await Promise.all(reads);
      await queue.idle();
    },
  };

  function noticeCheck(event: CheckEvent): void {
    const result = eventResult(event);
    // Find the PR from the store alone: a result for an old head costs one indexed read, no forge call.
    const read = store.watchedByHead(repoKey(event.repo), event.sha).then((watched) => {
      for (const pull of watched) {
        if (pull.state !== 'open') continue;
        add(
          event.repo,
          pull.number,
          event.source === 'status'
            ? { kind: 'result', repo: event.repo, result }
            : { kind: 'read-statuses', repo: event.repo, sha: event.sha, fallback: result },
        );
      }
    });
    track(read, 'could not read the watched pull requests');
  }

  function noticePull(event: PullEvent): void {
    if (!ownerOf(event.pull)) return;
    add(event.repo, event.pull.number, { kind: 'pull', repo: event.repo, pull: event.pull });
  }

  /** A push to a branch: the open watched PRs based on it are read once the forge had time to work out their mergeability. */
  function noticeBasePush(repo: RepoRef, branch: string, baseSha: string): void {
    if (!bases.has(baseKey(repoKey(repo), branch))) return;
    const read = store.listWatched({ open: true, limit: 10_000 }).then((watched) => {
      const based = watched.filter((pull) => pull.repo === repoKey(repo) && pull.baseRef === branch);
      if (based.length === 0) return;
      const probeAll = () => {
        for (const pull of based) add(repo, pull.number, { kind: 'probe', repo, number: pull.number, baseSha });
      };
      if ((options.probeDelayMs ?? 0) <= 0) probeAll();
      else timers.add(clock.after(options.probeDelayMs ?? 0, probeAll));
    });
    track(read, 'could not read the watched pull requests');
  }
}

/**
 * The reconciliation poller. Forgejo and Gitea never re-send a failed delivery, so every few
 * minutes (and once at start-up) this lists, per configured repository, the issues, PRs and
 * comments updated since the last poll, and for each updated issue or PR its timeline since then
 * (assignments, labels, review requests, reviews) and a PR's submitted reviews; turns them into
 * the same events a webhook would have produced (`reconcile-events.ts`), and records them through
 * the intake's own store: the fingerprint de-duplication drops what a webhook already brought, so
 * a change is acted on once whichever way it arrived.
 */
import type { CommentEvent, ForgeEvent, ForgeKind, IssueRef, RepoRef } from '../core/events.js';
import { submittedReviews, type ForgeClient } from '../forge/client.js';
import { fingerprintOf } from '../forge/webhook/fingerprint.js';
import type { DeliveryStore } from '../intake/ports.js';
import { type Clock, every, type Timer } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { reconcileEvents, type UpdatedIssue } from './reconcile-events.js';

export interface PollCursors {
  get(repo: string): Promise<string | undefined>;
  set(repo: string, polledAt: string): Promise<void>;
}

export interface PollerOptions {
  readonly repositories: readonly string[];
  readonly forgeKind: ForgeKind;
  readonly client: ForgeClient;
  readonly deliveries: DeliveryStore;
  readonly cursors: PollCursors;
  readonly clock: Clock;
  readonly log: Logger;
  readonly intervalMs: number;
  /** How far back the very first poll of a repository looks. */
  readonly firstLookbackMs?: number;
  /** Overlap between polls, for clock skew between the forge and us (duplicates are dropped). */
  readonly overlapMs?: number;
  /**
   * Told, after a repository's events are recorded, of every issue and PR found updated as read:
   * the milestone driver reads changes no webhook announces (native dependencies) from it.
   */
  readonly onCaughtUp?: (repo: RepoRef, found: readonly UpdatedIssue[]) => void;
}

export interface Poller {
  /** Polls every repository once; resolves with the number of new events recorded. */
  pollOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export function createPoller(options: PollerOptions): Poller {
  const { clock, log } = options;
  const overlap = options.overlapMs ?? 60_000;
  let timer: Timer | undefined;
  let current: Promise<number> | undefined;

  const pollRepo = async (fullName: string): Promise<number> => {
    const startedAt = clock.now();
    const since =
      (await options.cursors.get(fullName)) ??
      new Date(startedAt - (options.firstLookbackMs ?? 3600_000)).toISOString();
    const repo = await options.client.getRepository(fullName);
    const issues = await options.client.listIssuesUpdatedSince(fullName, since);
    const comments = await options.client.listCommentsUpdatedSince(fullName, since);
    const byNumber = new Map(issues.map((i) => [i.number, i]));
    const events: ForgeEvent[] = [];
    const found: UpdatedIssue[] = [];

    for (const issue of issues) {
      const updated = await readUpdated(fullName, issue, since);
      found.push(updated);
      events.push(...reconcileEvents({ forge: options.forgeKind, repo, since }, updated));
    }
    for (const { issueNumber, comment } of comments) {
      const issue = byNumber.get(issueNumber) ?? (await options.client.getIssue(fullName, issueNumber));
      byNumber.set(issueNumber, issue);
      const draft: Omit<CommentEvent, 'fingerprint'> = {
        type: 'comment',
        action: Date.parse(comment.updatedAt) > Date.parse(comment.createdAt) ? 'edited' : 'created',
        forge: options.forgeKind,
        repo,
        actor: comment.author,
        issue,
        comment,
      };
      events.push({ ...draft, fingerprint: fingerprintOf(draft) } as CommentEvent);
    }

    let recorded = 0;
    for (const event of events) {
      const body = Buffer.from(JSON.stringify(event));
      const result = await options.deliveries.record({
        deliveryId: `poll:${event.fingerprint}`,
        source: 'poll',
        forge: options.forgeKind,
        eventType: 'poll',
        receivedAt: clock.now(),
        headers: {},
        body,
        outcome: { kind: 'event', event },
      });
      if (result.status === 'accepted') recorded++;
    }
    options.onCaughtUp?.(repo, found);
    await options.cursors.set(fullName, new Date(startedAt - overlap).toISOString());
    if (recorded > 0) log.warn({ repo: fullName, recorded }, 'poller found changes no webhook delivered');
    return recorded;
  };

  /** The issue's timeline since the cursor, and for a PR the PR and (when one was submitted since) its reviews. */
  const readUpdated = async (fullName: string, issue: IssueRef, since: string): Promise<UpdatedIssue> => {
    const timeline = await options.client.listTimelineSince(fullName, issue.number, since);
    if (!issue.isPull) return { issue, timeline, reviews: [] };
    const pull = await options.client.getPull(fullName, issue.number);
    const reviewed = timeline.some((entry) => entry.kind === 'review');
    const reviews = reviewed ? submittedReviews(await options.client.listPullReviews(fullName, issue.number)) : [];
    return { issue, pull, timeline, reviews };
  };

  const pollOnce = (): Promise<number> => {
    current ??= (async () => {
      let total = 0;
      for (const repo of options.repositories) {
        try {
          total += await pollRepo(repo);
        } catch (error) {
          log.warn({ err: error, repo }, 'poll failed; will try again next interval');
        }
      }
      return total;
    })().finally(() => {
      current = undefined;
    });
    return current;
  };

  return {
    pollOnce,
    start() {
      if (options.intervalMs <= 0 || options.repositories.length === 0) return;
      void pollOnce();
      timer = every(clock, options.intervalMs, () => void pollOnce());
    },
    async stop() {
      timer?.cancel();
      await current;
    },
  };
}

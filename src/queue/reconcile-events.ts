/**
 * What the reconciliation poller makes of one issue or PR it found updated since its cursor: the
 * events the webhooks would have brought — the opening, assignments, label changes, review
 * requests, submitted reviews — each with the fingerprint the webhook path gives it, so a change
 * that came both ways is acted on once.
 *
 * A webhook carries the issue as it was just after the change: its `updated_at` then, and its
 * labels and assignees then (Gitea names neither the label nor the assignee concerned, so the
 * fingerprint holds the whole set). The REST API gives the issue as it is now, and a timeline
 * entry per change, written in the same moment as that `updated_at`. So each event is built on
 * the issue as of its entry: `updated_at` is the entry's time, and the label and assignee sets
 * are today's with every later entry undone. Entries newer than the issue snapshot (a change
 * made while we were reading) are left for the next poll, which overlaps this one.
 */
import type { SubmittedReview, TimelineEntry } from '../forge/client.js';
import type { ForgeEvent, ForgeKind, IssueRef, PullRef, RepoRef, UserRef } from '../core/events.js';
import { fingerprintOf, type UnfingerprintedEvent } from '../forge/webhook/fingerprint.js';

export interface ReconcileContext {
  readonly forge: ForgeKind;
  readonly repo: RepoRef;
  /** The poll's lower bound (RFC 3339): older changes were reconciled before. */
  readonly since: string;
}

export interface UpdatedIssue {
  readonly issue: IssueRef;
  /** Set when `issue.isPull`. */
  readonly pull?: PullRef;
  readonly timeline: readonly TimelineEntry[];
  readonly reviews: readonly SubmittedReview[];
}

export function reconcileEvents(ctx: ReconcileContext, found: UpdatedIssue): ForgeEvent[] {
  const snapshot = time(found.issue.updatedAt);
  const entries = found.timeline.filter((entry) => time(entry.at) <= snapshot).sort((a, b) => time(a.at) - time(b.at));
  const drafts: UnfingerprintedEvent[] = [
    ...opening(ctx, found),
    ...entries.flatMap((entry) =>
      entry.kind === 'assignee' || entry.kind === 'review_request' ? [changeEvent(ctx, found, entries, entry)] : [],
    ),
    ...labelChanges(entries).map((group) => changeEvent(ctx, found, entries, group)),
    ...reviewEvents(ctx, found, snapshot),
  ].filter((draft): draft is UnfingerprintedEvent => draft !== undefined);
  // In the order they happened, as the webhooks would have come (an opening before its assignment).
  const ordered = drafts
    .map((draft, index) => ({ draft, index, at: happenedAt(draft) }))
    .sort((a, b) => a.at - b.at || a.index - b.index);
  return ordered.map(({ draft }) => ({ ...draft, fingerprint: fingerprintOf(draft) }) as ForgeEvent);
}

/** An opening comes before everything else that happened to its issue or PR. */
function happenedAt(draft: UnfingerprintedEvent): number {
  if ((draft.type === 'issue' || draft.type === 'pull_request') && draft.action === 'opened')
    return Number.NEGATIVE_INFINITY;
  if (draft.type === 'issue') return time(draft.issue.updatedAt);
  if (draft.type === 'pull_request' || draft.type === 'review') return time(draft.pull.updatedAt);
  return Number.POSITIVE_INFINITY;
}

function opening(ctx: ReconcileContext, { issue, pull }: UpdatedIssue): UnfingerprintedEvent[] {
  if (issue.createdAt === undefined || time(issue.createdAt) < time(ctx.since)) return [];
  const base = { forge: ctx.forge, repo: ctx.repo, actor: issue.author };
  if (!issue.isPull) return [{ ...base, type: 'issue', action: 'opened', issue }];
  return pull === undefined ? [] : [{ ...base, type: 'pull_request', action: 'opened', pull }];
}

type Change = Extract<TimelineEntry, { kind: 'assignee' | 'review_request' }> | LabelChange;

interface LabelChange {
  readonly kind: 'labels';
  readonly at: string;
  readonly actor: UserRef;
}

/** One label request adds several labels (one entry each) and sends one webhook. */
function labelChanges(entries: readonly TimelineEntry[]): LabelChange[] {
  const groups = new Map<string, LabelChange>();
  for (const entry of entries) {
    if (entry.kind !== 'label') continue;
    const key = `${time(entry.at)}:${entry.actor.login}`;
    if (!groups.has(key)) groups.set(key, { kind: 'labels', at: entry.at, actor: entry.actor });
  }
  return [...groups.values()];
}

function changeEvent(
  ctx: ReconcileContext,
  found: UpdatedIssue,
  entries: readonly TimelineEntry[],
  change: Change,
): UnfingerprintedEvent | undefined {
  const base = { forge: ctx.forge, repo: ctx.repo, actor: change.actor };
  const labels = setAt(found.issue.labels, entries, change.at, (entry) =>
    entry.kind === 'label' ? entry.label : undefined,
  );
  if (!found.issue.isPull) {
    if (change.kind === 'review_request') return undefined;
    const assignees = setAt(found.issue.assignees, entries, change.at, (entry) =>
      entry.kind === 'assignee' ? entry.assignee : undefined,
    );
    const issue: IssueRef = { ...found.issue, updatedAt: change.at, labels, assignees };
    if (change.kind === 'labels') return { ...base, type: 'issue', action: 'labelled', issue };
    return { ...base, type: 'issue', action: change.removed ? 'unassigned' : 'assigned', issue };
  }
  if (found.pull === undefined) return undefined;
  const pull: PullRef = { ...found.pull, updatedAt: change.at, labels };
  switch (change.kind) {
    case 'labels':
      return { ...base, type: 'pull_request', action: 'labelled', pull };
    case 'assignee':
      return { ...base, type: 'pull_request', action: change.removed ? 'unassigned' : 'assigned', pull };
    case 'review_request':
      return {
        ...base,
        type: 'pull_request',
        action: change.removed ? 'review_request_removed' : 'review_requested',
        pull,
        requestedReviewer: change.reviewer,
      };
  }
}

/**
 * A Gitea review webhook carries no review id and the PR as it was when the review was submitted
 * (its `updated_at` then, the reviewed head), which is what its fingerprint holds; GitHub's
 * carries the id.
 */
function reviewEvents(
  ctx: ReconcileContext,
  { issue, pull, reviews }: UpdatedIssue,
  snapshot: number,
): UnfingerprintedEvent[] {
  if (!issue.isPull || pull === undefined) return [];
  return reviews
    .filter((review) => time(review.submittedAt) >= time(ctx.since) && time(review.submittedAt) <= snapshot)
    .map((review) => ({
      forge: ctx.forge,
      repo: ctx.repo,
      actor: review.author,
      type: 'review',
      state: review.state,
      pull: { ...pull, updatedAt: review.submittedAt, headSha: review.commitId || pull.headSha },
      review: { id: ctx.forge === 'github' ? review.id : 0, body: review.body, author: review.author },
    }));
}

/** `current` as it was just after the changes made at `at`: every later addition or removal undone. */
function setAt(
  current: readonly string[],
  entries: readonly TimelineEntry[],
  at: string,
  name: (entry: TimelineEntry) => string | undefined,
): string[] {
  const set = new Set(current);
  for (const entry of [...entries].reverse()) {
    const value = name(entry);
    if (value === undefined || time(entry.at) <= time(at) || !('removed' in entry)) continue;
    if (entry.removed) set.add(value);
    else set.delete(value);
  }
  return [...set];
}

function time(timestamp: string): number {
  return Date.parse(timestamp);
}

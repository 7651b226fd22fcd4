/**
 * What an event *is*, as a string: two deliveries of the same change (a "Replay" in the forge UI,
 * an org hook overlapping a repo hook, the reconciliation poller) get the same fingerprint, and
 * the intake acts on the change once.
 *
 * Computed from normalised fields only, never from a raw payload, so the poller — which builds
 * events from REST API results — produces identical fingerprints for the same change.
 * Timestamps are canonicalised (`+00:00` and `Z`, with or without milliseconds, name one instant)
 * because the webhook and the API do not always print them alike.
 *
 * A fingerprint says nothing about *when*: a branch deleted, re-created and deleted again weeks
 * later has the same one. The intake therefore de-duplicates within a time window only, so the
 * second deletion is not swallowed as a repeat of the first.
 */
import { repoKey, type ForgeEvent, type IssueEvent, type PullEvent, type ReviewEvent } from '../../core/events.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A `ForgeEvent` before its fingerprint is known. */
export type UnfingerprintedEvent = DistributiveOmit<ForgeEvent, 'fingerprint'>;

export function fingerprintOf(event: UnfingerprintedEvent): string {
  return `${repoKey(event.repo)}:${whatHappened(event)}`;
}

/** One instant, one spelling: `2024-02-22T00:42:03.000Z`. Unparseable input is kept as given. */
export function canonicalTime(timestamp: string): string {
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? timestamp : new Date(ms).toISOString();
}

function whatHappened(event: UnfingerprintedEvent): string {
  switch (event.type) {
    case 'comment':
      return `comment:${event.comment.id}:${canonicalTime(event.comment.updatedAt)}`;
    case 'issue':
      return issuePart(event);
    case 'pull_request':
      // Opened once, like an issue: the poller may see the PR after a push moved its head.
      if (event.action === 'opened') return `pr:${event.pull.number}:opened`;
      return `pr:${event.pull.number}:${event.action}:${pullDetail(event)}`;
    case 'review':
      return `review:${event.pull.number}:${event.review.author.login}:${event.state}:${reviewIdentity(event)}`;
    case 'ref_deleted':
      return `ref_deleted:${event.refType}:${event.ref}`;
    case 'push':
      return `push:${event.ref}:${event.before}:${event.after}`;
    case 'repository':
      return `repository:${event.action}`;
    case 'check':
      // One result of one check on one commit; a rerun's result is another (its time, or its run and job).
      return `check:${event.sha}:${event.source}:${encodeURIComponent(event.context)}:${event.state}:${event.runId ?? 0}:${event.jobId ?? 0}:${canonicalTime(event.at)}`;
  }
}

function issuePart(event: Omit<IssueEvent, 'fingerprint'>): string {
  // An issue is opened once; the poller sees it later with a newer updated_at, and must still
  // recognise the opening a webhook already brought.
  if (event.action === 'opened') return `issue:${event.issue.number}:opened`;
  const base = `issue:${event.issue.number}:${event.action}:${canonicalTime(event.issue.updatedAt)}`;
  switch (event.action) {
    case 'assigned':
    case 'unassigned':
      // Gitea does not name the login concerned; the resulting set of assignees stands in for it.
      return `${base}:${event.assignee ?? sortedList(event.issue.assignees)}`;
    case 'labelled':
      return `${base}:${sortedList(event.issue.labels)}`;
    case 'ready':
      // Once per story and base, whatever the times: a story is handed out once for each way to start it.
      return `issue:${event.issue.number}:ready:${event.ready?.tracking ?? 0}:${event.ready?.base?.pull ?? 'default'}`;
    default:
      return base;
  }
}

function pullDetail(event: Omit<PullEvent, 'fingerprint'>): string {
  const { pull } = event;
  switch (event.action) {
    case 'opened':
    case 'synchronized':
    case 'reopened':
      return pull.headSha;
    case 'closed':
      return `${pull.merged ? 'merged' : 'unmerged'}:${pull.headSha}`;
    case 'review_requested':
    case 'review_request_removed':
      return `${event.requestedReviewer ?? ''}:${canonicalTime(pull.updatedAt)}`;
    case 'labelled':
      return `${canonicalTime(pull.updatedAt)}:${sortedList(pull.labels)}`;
    case 'assigned':
    case 'unassigned':
      // As for issues: two assignments within one second are two events.
      return `${canonicalTime(pull.updatedAt)}:${event.assignee ?? sortedList(pull.assignees)}`;
    case 'edited':
      return canonicalTime(pull.updatedAt);
    case 'retargeted':
      // Once per merge of the PR it was stacked on, whatever the times.
      return `${event.retargeted?.mergedPull ?? 0}:${pull.baseRef}`;
    case 'checks_failed': {
      // Once per head and attempt: a head's failure wakes its author once, a restart changes
      // nothing. A check that fails later on a head already told of is told once more, by name.
      const checks = event.checks;
      const told = checks?.more
        ? `:${checks.failed
            .map((check) => encodeURIComponent(check.context))
            .sort()
            .join(',')}`
        : '';
      return `${checks?.sha ?? pull.headSha}:${checks?.attempt ?? 0}${told}`;
    }
    case 'conflicted':
      // Once per head of the PR and of its base.
      return `${pull.headSha}:${event.conflict?.baseSha ?? ''}`;
  }
}

/** Gitea review payloads carry no review id; the PR's state at the time stands in for it. */
function reviewIdentity(event: Omit<ReviewEvent, 'fingerprint'>): string {
  if (event.review.id > 0) return String(event.review.id);
  return `${canonicalTime(event.pull.updatedAt)}:${event.pull.headSha}`;
}

function sortedList(values: readonly string[]): string {
  return [...values].sort().map(encodeURIComponent).join(',');
}

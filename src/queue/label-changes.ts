/**
 * Which labels a label event added. Gitea's `issue_label` event carries the whole label set and
 * no diff, so a trigger read off the set alone fires again on every later label change while its
 * label is present (docs/decisions.md §16). The set last seen per issue is kept in the store; the
 * events of a batch are compared in order, each with the one before it. An issue never seen
 * labelled before counts every label as added.
 */
import type { ForgeEvent } from '../core/events.js';
import type { JobStore, LabelSet, StoredEvent } from './ports.js';
import { repoKey } from '../core/events.js';

export interface LabelChange {
  readonly added: readonly string[];
  /** The set after the event, to be stored with its routing. */
  readonly set: LabelSet;
}

export async function labelChanges(
  batch: readonly StoredEvent[],
  store: Pick<JobStore, 'labelSets'>,
): Promise<Map<number, LabelChange>> {
  const changes = new Map<number, LabelChange>();
  const labelled = batch.flatMap((stored) => {
    const set = labelSetOf(stored.event);
    return set ? [{ eventId: stored.id, set }] : [];
  });
  if (labelled.length === 0) return changes;

  const issues = [
    ...new Map(labelled.map(({ set }) => [issueKey(set), { repo: set.repo, issue: set.issue }])).values(),
  ];
  const known = new Map((await store.labelSets(issues)).map((set) => [issueKey(set), set.labels]));
  for (const { eventId, set } of labelled) {
    const before = known.get(issueKey(set));
    const had = new Set((before ?? []).map((label) => label.toLowerCase()));
    changes.set(eventId, { added: set.labels.filter((label) => !had.has(label.toLowerCase())), set });
    known.set(issueKey(set), set.labels);
  }
  return changes;
}

function labelSetOf(event: ForgeEvent): LabelSet | undefined {
  if (event.type === 'issue' && event.action === 'labelled')
    return { repo: repoKey(event.repo), issue: event.issue.number, labels: event.issue.labels };
  if (event.type === 'pull_request' && event.action === 'labelled')
    return { repo: repoKey(event.repo), issue: event.pull.number, labels: event.pull.labels };
  return undefined;
}

function issueKey(issue: { readonly repo: string; readonly issue: number }): string {
  return `${issue.repo}#${issue.issue}`;
}

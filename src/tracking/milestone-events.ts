/**
 * The events the milestone driver makes up (docs/milestones.md), stored through the intake's own
 * `record` exactly as housekeeping stores a rebase request: routing then queues the job and the
 * prompt says why. `ready` hands a story to the implementer; `plan` asks the planner to plan an
 * issue that got the plan label. The delivery id is the event's fingerprint, so a story is handed
 * out once per way to start it (its base), whatever happens after and however often the driver
 * looks — across restarts too.
 */
import { type ForgeKind, type IssueEvent, type IssueRef, type RepoRef, SERVICE_ACTOR } from '../core/events.js';
import { fingerprintOf } from '../forge/webhook/fingerprint.js';
import type { DeliveryRecord } from '../intake/ports.js';
import { serviceDelivery } from '../intake/service-delivery.js';

export interface ReadyRequest {
  readonly forge: ForgeKind;
  readonly repo: RepoRef;
  readonly story: { readonly number: number; readonly title: string };
  readonly tracking: number;
  /** The story's upstream issues, ascending. */
  readonly upstream: readonly number[];
  /** Stacked start: the upstream story's open pull request. */
  readonly base?: { readonly branch: string; readonly pull: number } | undefined;
  /** When the driver decided (the event's `updatedAt`). */
  readonly at: number;
}

export function readyEvent(request: ReadyRequest): IssueEvent {
  const issue: IssueRef = {
    number: request.story.number,
    // The title names the branch a new worktree gets (`issue-<N>-<slug>`).
    title: request.story.title,
    body: '',
    author: SERVICE_ACTOR,
    state: 'open',
    isPull: false,
    labels: [],
    assignees: [],
    updatedAt: new Date(request.at).toISOString(),
  };
  const ready = {
    tracking: request.tracking,
    upstream: request.upstream,
    ...(request.base === undefined ? {} : { base: request.base }),
  };
  const draft: Omit<IssueEvent, 'fingerprint'> = {
    type: 'issue',
    action: 'ready',
    forge: request.forge,
    repo: request.repo,
    actor: SERVICE_ACTOR,
    issue,
    ready,
  };
  return { ...draft, fingerprint: fingerprintOf(draft) };
}

/**
 * The plan request for an issue someone labelled with the plan label: the labelled event's issue
 * and actor (who asked), once per label event (its fingerprint names the issue's time).
 */
export function planEvent(labelled: IssueEvent, label: string): IssueEvent {
  const draft: Omit<IssueEvent, 'fingerprint'> = {
    type: 'issue',
    action: 'plan',
    forge: labelled.forge,
    repo: labelled.repo,
    actor: labelled.actor,
    issue: labelled.issue,
    plan: { label },
  };
  return { ...draft, fingerprint: fingerprintOf(draft) };
}

export function milestoneDelivery(event: IssueEvent, receivedAt: number): DeliveryRecord {
  return serviceDelivery('milestones', event, receivedAt);
}

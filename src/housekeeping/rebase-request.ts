/**
 * The dev's job to rebase a stacked PR (docs/decisions.md §29): when the PR it was based on merges,
 * housekeeping retargets it and stores this synthetic event — in the same store, through the
 * intake's own `record`, exactly as the poller stores what it finds — so routing queues a job on
 * the PR's work key and the session's delta says what happened. Recorded before the retarget:
 * a crash between the two leaves the job queued and the cleanup task (retried) retargets; the
 * delivery id makes the record idempotent.
 */
import { type ForgeKind, type PullEvent, type PullRef, type RepoRef, SERVICE_ACTOR } from '../core/events.js';
import { fingerprintOf } from '../forge/webhook/fingerprint.js';
import type { DeliveryRecord } from '../intake/ports.js';
import { serviceDelivery } from '../intake/service-delivery.js';

export interface RebaseRequest {
  readonly forge: ForgeKind;
  readonly repo: RepoRef;
  /** The stacked PR, as listed before the retarget. */
  readonly pull: PullRef;
  /** The merged PR: its number, its head (the stacked PR's old base) and its base (the new one). */
  readonly merged: { readonly number: number; readonly head: string; readonly base: string };
}

export function rebaseEvent(request: RebaseRequest): PullEvent {
  const draft: Omit<PullEvent, 'fingerprint'> = {
    type: 'pull_request',
    action: 'retargeted',
    forge: request.forge,
    repo: request.repo,
    actor: SERVICE_ACTOR,
    pull: { ...request.pull, baseRef: request.merged.base },
    retargeted: { from: request.merged.head, mergedPull: request.merged.number },
  };
  return { ...draft, fingerprint: fingerprintOf(draft) };
}

export function rebaseDelivery(request: RebaseRequest, receivedAt: number): DeliveryRecord {
  return serviceDelivery('housekeeping', rebaseEvent(request), receivedAt);
}

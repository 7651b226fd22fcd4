/**
 * The events the pull watch makes up (docs/until-merged.md), stored through the intake's own
 * `record` exactly as housekeeping stores a rebase request: routing then queues the PR's author on
 * its work key and the prompt says why. The delivery id is the event's fingerprint — a head's
 * failure is told once per attempt (and each check once), a conflict once per head and base head —
 * so a restart between the decision and the write, or a catch-up that reads the same failure
 * again, doubles nothing.
 */
import {
  type ChecksFailed,
  type ForgeKind,
  type PullEvent,
  type PullRef,
  type RepoRef,
  SERVICE_ACTOR,
} from '../core/events.js';
import { fingerprintOf } from '../forge/webhook/fingerprint.js';
import type { DeliveryRecord } from '../intake/ports.js';
import { serviceDelivery } from '../intake/service-delivery.js';

export function checksFailedEvent(forge: ForgeKind, repo: RepoRef, pull: PullRef, checks: ChecksFailed): PullEvent {
  const draft: Omit<PullEvent, 'fingerprint'> = {
    type: 'pull_request',
    action: 'checks_failed',
    forge,
    repo,
    actor: SERVICE_ACTOR,
    pull,
    checks,
  };
  return { ...draft, fingerprint: fingerprintOf(draft) };
}

export function conflictedEvent(
  forge: ForgeKind,
  repo: RepoRef,
  pull: PullRef,
  conflict: { readonly base: string; readonly baseSha: string },
): PullEvent {
  const draft: Omit<PullEvent, 'fingerprint'> = {
    type: 'pull_request',
    action: 'conflicted',
    forge,
    repo,
    actor: SERVICE_ACTOR,
    pull,
    conflict,
  };
  return { ...draft, fingerprint: fingerprintOf(draft) };
}

export function watchDelivery(event: PullEvent, receivedAt: number): DeliveryRecord {
  return serviceDelivery('pulls', event, receivedAt);
}

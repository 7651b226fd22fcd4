/**
 * The webhook's events, as the forges' hook API names them (`CreateHookOption.events`): those the
 * service needs, and the check events of each forge kind, which [until merged](../../docs/until-merged.md)
 * takes as they come but can do without — the poller's catch-up reads the heads' statuses anyway,
 * later (docs/forge-setup.md, "The webhook").
 *
 * What the forges do with these names (their sources, read for this: Gitea
 * `routers/api/v1/utils/hook.go` `updateHookEvents` and `modules/webhook/type.go`; Forgejo the same
 * two files and `models/webhook/webhook.go` `EventCheckers`):
 * - Neither validates the names: each event the forge knows is looked up in the list, anything
 *   else is dropped without a word — no 422. A forge too old for a check event makes the hook
 *   without it, which only reading the hook back tells.
 * - Gitea has `status` (go-gitea/gitea#27151), `workflow_run` and `workflow_job`, and sets them on
 *   an edit as on a creation.
 * - Forgejo has no commit-status event; it has `action_run_failure`, `action_run_success` and
 *   `action_run_recover`, which its API sets only when a hook is created: an edit leaves them as
 *   they were.
 */
/** The events the service needs: without one of them some work would never reach an agent. */
export const HOOK_EVENTS = [
  'issues',
  'issue_assign',
  'issue_label',
  'issue_comment',
  'pull_request',
  'pull_request_assign',
  'pull_request_label',
  'pull_request_sync',
  'pull_request_review_request',
  'pull_request_review',
  'pull_request_comment',
  'delete',
  'push',
  'repository',
] as const;

/** A forge kind init and doctor set up (`init --kind`, `forge.kind`). */
export type HookForgeKind = 'forgejo' | 'gitea';

export interface CheckEvents {
  readonly events: readonly string[];
  /** Whether editing a hook (`PATCH …/hooks/{id}`) sets them; else only creating one does. */
  readonly setOnEdit: boolean;
}

const CHECK_EVENTS: Readonly<Record<HookForgeKind, CheckEvents>> = {
  gitea: { events: ['status', 'workflow_run', 'workflow_job'], setOnEdit: true },
  forgejo: { events: ['action_run_failure', 'action_run_success', 'action_run_recover'], setOnEdit: false },
};

export const checkEventsOf = (kind: HookForgeKind): CheckEvents => CHECK_EVENTS[kind];

/** Every event init subscribes a hook of this forge kind to: the needed ones, then the check events. */
export const hookEventsFor = (kind: HookForgeKind): readonly string[] => [...HOOK_EVENTS, ...CHECK_EVENTS[kind].events];

/** Gitea lists a review hook's events as `pull_request_review_approved` etc. when read back. */
export function normaliseHookEvent(event: string): string {
  return /^pull_request_review_(approved|rejected|comment)$/.test(event) ? 'pull_request_review' : event;
}

/** The needed events a hook does not send. */
export function missingHookEvents(events: readonly string[]): string[] {
  return missingOf(HOOK_EVENTS, events);
}

/** The check events of the forge kind a hook does not send. */
export function missingCheckEvents(events: readonly string[], kind: HookForgeKind): string[] {
  return missingOf(CHECK_EVENTS[kind].events, events);
}

function missingOf(wanted: readonly string[], events: readonly string[]): string[] {
  // The forges match the names without regard to case.
  const have = new Set(events.map((event) => normaliseHookEvent(event.toLowerCase())));
  return wanted.filter((event) => !have.has(event));
}

/**
 * Rows the contract tests need from other ports, made through those ports (never SQL): an event
 * recorded by the intake, routed to work, to a skip or to a cleanup task by dispatch.
 */
import type { CleanupAction } from '../../src/core/cleanup-task.js';
import type { RoutingDecision } from '../../src/queue/ports.js';
import type { Store } from '../../src/store/ports.js';
import { commented, REPO } from '../support/events.js';

export const REPO_KEY = 'forge.test/acme/widget';

let deliveries = 0;

/** Records an accepted comment on `issue` and answers its event id. */
export async function recordEvent(store: Store, issue: number, receivedAt: number): Promise<number> {
  const result = await store.deliveries.record({
    deliveryId: `contract-${++deliveries}`,
    source: 'webhook',
    forge: 'forgejo',
    eventType: 'issue_comment',
    receivedAt,
    headers: {},
    body: Buffer.from(`{"n":${deliveries}}`),
    outcome: { kind: 'event', event: commented(issue, 'alice', `@dev comment ${deliveries}`) },
  });
  if (result.status !== 'accepted') throw new Error(`the test delivery was ${result.status}`);
  return result.eventId;
}

export const work = (agent: string, issue: number, trigger = 'mention'): RoutingDecision => ({
  kind: 'work',
  key: { agent, repo: REPO_KEY, issue },
  repoRef: REPO,
  trigger,
});
export const skip = (agent: string, reason: string): RoutingDecision => ({ kind: 'skip', agent, reason });
export const cleanup = (
  action: CleanupAction,
  issues: readonly number[] | undefined,
  repo = REPO_KEY,
): RoutingDecision => ({ kind: 'cleanup', repo, repoRef: REPO, issues, action });

/** Records an event on `issue` and routes it with `decisions`; answers the event id. */
export async function route(
  store: Store,
  issue: number,
  decisions: readonly RoutingDecision[],
  at: number,
): Promise<number> {
  const eventId = await recordEvent(store, issue, at);
  await store.jobs.commitRouting([{ eventId, decisions }], at);
  return eventId;
}

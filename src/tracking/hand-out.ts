/**
 * Handing a milestone's next stories to the implementer: for each story the schedule starts now
 * (`next`: ready, in hand-out order, cut to the free places under the in-flight cap) a `ready`
 * event, recorded durably before routing sees it — unless the milestone is paused. A story is in
 * `next` only when it has no open pull request and no job (it would be in flight otherwise).
 *
 * Once per (story, base): the event's delivery id is its fingerprint, so a second hand-out of the
 * same start is a duplicate the store refuses, after a restart too. A story handed out whose job
 * ended without a pull request keeps its place under the cap and is not handed out again: a
 * person looks at it (mentions the implementer, or closes it).
 */
import type { ForgeKind, RepoRef } from '../core/events.js';
import type { Clock } from '../lib/clock.js';
import { milestoneDelivery, readyEvent } from './milestone-events.js';
import type { MilestoneView } from './milestone-view.js';
import type { EventLog } from './ports.js';

/** Hand-outs remembered in memory, so a rebuild does not ask the store again; the store's refusal stays the rule. */
const REMEMBERED = 10_000;

export interface HandOutDeps {
  readonly events: EventLog;
  readonly forge: ForgeKind;
  readonly clock: Clock;
  /** Keys of the hand-outs recorded (or found recorded) already. */
  readonly handed: Set<string>;
}

/**
 * The stories handed out now (their events newly recorded). Their events are recorded together,
 * so the store's group commit makes them durable in one write.
 */
export async function handOut(deps: HandOutDeps, repo: RepoRef, view: MilestoneView): Promise<number[]> {
  if (view.milestone.paused) return [];
  const handing = view.plan.next.flatMap((number) => {
    const status = view.plan.statuses.get(number);
    const story = view.graph.stories.get(number);
    if (story === undefined || (status?.kind !== 'ready' && status?.kind !== 'ready-stacked')) return [];
    const base = status.kind === 'ready-stacked' ? { branch: status.base.branch, pull: status.base.number } : undefined;
    const key = `${view.repo}#${number}:${view.milestone.tracking}:${base?.pull ?? 'default'}`;
    return deps.handed.has(key) ? [] : [{ story, base, key }];
  });
  const recorded = await Promise.all(
    handing.map(({ story, base }) => {
      const at = deps.clock.now();
      const event = readyEvent({
        forge: deps.forge,
        repo,
        story: { number: story.number, title: story.title },
        tracking: view.milestone.tracking,
        upstream: story.upstream,
        base,
        at,
      });
      return deps.events.record(milestoneDelivery(event, at));
    }),
  );
  if (deps.handed.size + handing.length > REMEMBERED) deps.handed.clear();
  for (const { key } of handing) deps.handed.add(key);
  return handing.flatMap(({ story }, i) => (recorded[i]?.status === 'accepted' ? [story.number] : []));
}

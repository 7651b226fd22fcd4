/**
 * Milestones for the dashboard's tests, through the store's own port, with titles that would run
 * if they were not escaped: an opted-in milestone with a story of every kind (done, in flight by
 * its pull request, in flight by the seeded running job on issue 7, ready, waiting, in a cycle),
 * a paused one, and one whose tracking issue is closed (not shown).
 */
import { repoKey } from '../../src/core/events.js';
import type { StoryRead } from '../../src/milestones/ports.js';
import type { Store } from '../../src/store/ports.js';
import { HOSTILE_BRANCH, HOSTILE_TITLE } from './dashboard-seed.js';
import { REPO } from './events.js';

export const MILESTONE_REPO = repoKey(REPO);
/** The opted-in milestone, its paused one and its closed one. */
export const ACTIVE = 100;
export const PAUSED = 200;
export const CLOSED = 300;

export async function seedMilestones(store: Store, now: number): Promise<void> {
  const m = store.milestones;
  const story = (number: number, tracking: number | undefined, fields: Partial<StoryRead> = {}): StoryRead => ({
    repo: MILESTONE_REPO,
    number,
    tracking,
    title: `Story ${number}`,
    state: 'open',
    upstream: [],
    ...fields,
  });
  await m.upsertMilestone(MILESTONE_REPO, ACTIVE, { optedIn: true }, now);
  await m.upsertMilestone(MILESTONE_REPO, PAUSED, { optedIn: true }, now);
  await m.setPaused(MILESTONE_REPO, PAUSED, true, now);
  await m.upsertMilestone(MILESTONE_REPO, CLOSED, { optedIn: true }, now);
  for (const read of [
    story(ACTIVE, undefined, { title: `Release ${HOSTILE_TITLE}` }),
    story(101, ACTIVE, { title: 'Spike', state: 'completed', mergedPull: 401 }),
    story(102, ACTIVE, { title: 'Workdir module', upstream: [101], openPull: { number: 402, branch: HOSTILE_BRANCH } }),
    story(7, ACTIVE, { title: 'Login', upstream: [101] }),
    story(103, ACTIVE, { title: 'Webhook intake', upstream: [101] }),
    story(104, ACTIVE, { title: HOSTILE_BRANCH, upstream: [102, 103] }),
    story(105, ACTIVE, { upstream: [106] }),
    story(106, ACTIVE, { upstream: [105] }),
    story(PAUSED, undefined, { title: 'Paused work' }),
    story(201, PAUSED),
    story(CLOSED, undefined, { title: 'Old milestone', state: 'completed' }),
    story(301, CLOSED, { state: 'completed' }),
  ])
    await m.upsertStory(read, now);
}

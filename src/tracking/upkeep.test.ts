import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { REPO } from '../../test/support/events.js';
import { type FakeForge, fakeForge, putIssue, REPO_KEY, SETTINGS, tempStore } from '../../test/support/tracking.js';
import { manualClock } from '../lib/clock.js';
import { createRedactor } from '../lib/redactor.js';
import { BLOCK_START } from '../milestones/render-tracking.js';
import type { Store } from '../store/ports.js';
import { milestoneView } from './milestone-view.js';
import { keepTrackingIssue } from './upkeep.js';

/** A credential the service holds; a story's title quotes it. */
const SECRET = 'forge-token-0123456789abcdef';

describe('keepTrackingIssue', () => {
  const clock = manualClock(1_000);
  let store: Store;
  let forge: FakeForge;

  const story = (number: number, upstream: number[]) =>
    store.milestones.upsertStory(
      { repo: REPO_KEY, number, tracking: 1, title: `Story ${number}`, state: 'open', upstream },
      clock.now(),
    );
  const keep = async () => {
    const view = await milestoneView(
      { milestones: store.milestones, jobs: store.jobs, implementers: ['dev'], settings: SETTINGS },
      REPO_KEY,
      1,
    );
    assert.ok(view);
    return keepTrackingIssue(
      { milestones: store.milestones, reader: forge, writer: forge, redact: createRedactor([SECRET]).redact, clock },
      REPO,
      view,
    );
  };
  const body = () => forge.issues.get(1)?.body ?? '';

  beforeEach(async () => {
    store = await tempStore(clock);
    forge = fakeForge();
    putIssue(forge, 1, { body: 'Why we do this.\r\n\r\nMore words.' });
    await store.milestones.upsertMilestone(REPO_KEY, 1, { optedIn: true }, 1);
    await story(2, []);
    await story(3, [2]);
  });
  afterEach(() => store.close());

  it('writes the block after what people wrote, keeping it as written, and asks the forge nothing while nothing changes', async () => {
    const first = await keep();
    const calls = forge.calls.length;
    const second = await keep();

    assert.deepEqual([first.edited, second.edited], [true, false]);
    assert.ok(body().startsWith('Why we do this.\r\n\r\nMore words.\n\n<!-- claude-hooks:milestone -->'));
    assert.match(body(), /- #2 Story 2 ← next up\n/);
    assert.match(body(), /- #3 Story 3 <-- #2\n/);
    assert.equal(forge.calls.length, calls, 'an unchanged block costs no forge call');
  });

  it('rewrites the block when the graph changes, and only the block', async () => {
    await keep();
    forge.issues.set(1, {
      ...forge.issues.get(1)!,
      body: `Edited by alice.\n\n${body().slice(body().indexOf(BLOCK_START))}`,
    });

    await story(4, [3]);
    const done = await keep();

    assert.equal(done.edited, true);
    assert.ok(body().startsWith('Edited by alice.\n\n<!-- claude-hooks:milestone -->'));
    assert.match(body(), /- #4 Story 4 <-- #3\n/);
    assert.equal(forge.count('editIssueBody'), 2);
  });

  it('does not edit a body whose block is already the one rendered (a crash after the edit, before its hash was kept)', async () => {
    await keep();
    await store.milestones.recordRendered(REPO_KEY, 1, 'lost', 2);

    const done = await keep();

    assert.equal(done.edited, false);
    assert.equal(forge.count('editIssueBody'), 1);
    assert.notEqual((await store.milestones.getMilestone(REPO_KEY, 1))?.renderedHash, 'lost');
  });

  it('passes what it writes through the service’s redactor: a secret quoted in a story’s title never reaches the forge', async () => {
    await store.milestones.upsertStory(
      { repo: REPO_KEY, number: 4, tracking: 1, title: `Rotate ${SECRET}`, state: 'open', upstream: [4] },
      clock.now(),
    );

    await keep();

    assert.ok(body().includes('#4'), body());
    const written = [body(), ...forge.comments.map((c) => c.body)].join('\n');
    assert.ok(!written.includes(SECRET), written);
    assert.ok(forge.comments.length > 0, 'the cycle through #4 was said');
  });

  it('says the problems once in a comment naming the stories, again only when they change', async () => {
    await story(2, [3]);

    const first = await keep();
    const second = await keep();
    await story(4, [9]);
    const third = await keep();

    assert.deepEqual([first.said, second.said, third.said], [true, false, true]);
    assert.equal(forge.comments.length, 2);
    assert.match(forge.comments[0]?.body ?? '', /^claude-hooks found a problem in this milestone's graph; #2, #3 and/);
    assert.match(forge.comments[0]?.body ?? '', /- #2 → #3 → #2 is a cycle/);
    assert.match(forge.comments[1]?.body ?? '', /#4 depends on #9, which does not exist/);
  });

  it('says a problem again when it comes back after it was fixed', async () => {
    await story(2, [3]);
    await keep();
    await story(2, []);
    await keep();

    await story(2, [3]);
    await keep();

    assert.equal(forge.comments.length, 2);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scriptedRunner, startHarness } from '../../test/support/dispatch-harness.js';
import { commented, issueRef, REPO } from '../../test/support/events.js';
import { forgeClientWith } from '../../test/support/forge-client-stub.js';
import type { CommentOnIssue, ForgeClient } from '../forge/client.js';
import type { IssueRef } from '../core/events.js';
import { systemClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { createPoller } from './poller.js';

/** A structural fake of the REST client: the forge's answers for one repository. */
function fakeForge(state: { issues: IssueRef[]; comments: CommentOnIssue[] }): ForgeClient & { sinces: string[] } {
  const sinces: string[] = [];
  return forgeClientWith(
    {
      sinces,
      getRepository: async () => REPO,
      getIssue: async (_repo, number) => state.issues.find((i) => i.number === number) ?? issueRef(number),
      listIssuesUpdatedSince: async (_repo, since) => {
        sinces.push(since);
        return state.issues.filter((i) => i.updatedAt >= since);
      },
      listCommentsUpdatedSince: async (_repo, since) => state.comments.filter((c) => c.comment.updatedAt >= since),
      listTimelineSince: async () => [],
    },
    'the poller',
  );
}

function pollerFor(harness: Awaited<ReturnType<typeof startHarness>>, client: ForgeClient) {
  return createPoller({
    repositories: ['acme/widget'],
    forgeKind: 'forgejo',
    client,
    deliveries: harness.store.deliveries,
    cursors: harness.store.pollCursors,
    clock: systemClock,
    log: silentLogger(),
    intervalMs: 0,
    firstLookbackMs: 10 * 365 * 24 * 3600_000,
  });
}

describe('reconciliation poller', () => {
  it('acts once on a comment that arrived both by webhook and by the poller', async () => {
    const { runner, runs } = scriptedRunner();
    const h = await startHarness({ runner });
    const event = commented(7, 'alice', '@dev please');
    const client = fakeForge({ issues: [], comments: [{ issueNumber: 7, comment: event.comment }] });

    await h.deliver(event);
    const recorded = await pollerFor(h, client).pollOnce();
    await h.dispatcher.idle();

    assert.equal(recorded, 0);
    assert.equal(runs.length, 1);
    await h.close();
  });

  it('acts on a comment whose delivery was lost, exactly once over several polls', async () => {
    const { runner, runs } = scriptedRunner();
    const h = await startHarness({ runner });
    const lost = commented(7, 'alice', '@dev are you there?');
    const poller = pollerFor(h, fakeForge({ issues: [], comments: [{ issueNumber: 7, comment: lost.comment }] }));

    const first = await poller.pollOnce();
    const second = await poller.pollOnce();
    await h.dispatcher.idle();

    assert.equal(first, 1);
    assert.equal(second, 0);
    assert.deepEqual(
      runs.map((r) => r.events),
      [[lost.fingerprint]],
    );
    await h.close();
  });

  it('treats an issue created since the last poll as opened, and an old issue that changed as not', async () => {
    const { runner, runs } = scriptedRunner();
    const h = await startHarness({ runner });
    const now = Date.now();
    const fresh = issueRef(8, {
      createdAt: new Date(now - 1000).toISOString(),
      updatedAt: new Date(now - 1000).toISOString(),
    });
    const old = issueRef(9, { createdAt: '2020-01-01T00:00:00Z', updatedAt: new Date(now - 1000).toISOString() });
    const poller = createPoller({
      repositories: ['acme/widget'],
      forgeKind: 'forgejo',
      client: fakeForge({ issues: [fresh, old], comments: [] }),
      deliveries: h.store.deliveries,
      cursors: h.store.pollCursors,
      clock: systemClock,
      log: silentLogger(),
      intervalMs: 0,
    });

    await poller.pollOnce();
    await h.dispatcher.idle();

    assert.deepEqual(
      runs.map((r) => `${r.request.key.agent}#${r.request.key.issue}`),
      ['boss#8'],
    );
    await h.close();
  });

  it('tells what it found changed, as it read it, even when the change makes no event (a native dependency set)', async () => {
    const h = await startHarness();
    const changed = issueRef(9, { createdAt: '2020-01-01T00:00:00Z', updatedAt: new Date().toISOString() });
    const told: Array<{ repo: string; numbers: number[] }> = [];
    const poller = createPoller({
      repositories: ['acme/widget'],
      forgeKind: 'forgejo',
      client: fakeForge({ issues: [changed], comments: [] }),
      deliveries: h.store.deliveries,
      cursors: h.store.pollCursors,
      clock: systemClock,
      log: silentLogger(),
      intervalMs: 0,
      onCaughtUp: (repo, found) => told.push({ repo: repo.fullName, numbers: found.map((f) => f.issue.number) }),
    });

    const recorded = await poller.pollOnce();

    assert.equal(recorded, 0);
    assert.deepEqual(told, [{ repo: REPO.fullName, numbers: [9] }]);
    await h.close();
  });

  it('continues from where it got to, with an overlap for clock skew', async () => {
    const h = await startHarness();
    const client = fakeForge({ issues: [], comments: [] });
    const poller = pollerFor(h, client);

    const before = Date.now();
    await poller.pollOnce();
    await poller.pollOnce();

    const second = Date.parse(client.sinces[1]!);
    assert.ok(
      second <= before - 60_000 + 1000 && second >= before - 60_000 - 5000,
      `second poll starts a minute before the first: ${client.sinces[1]}`,
    );
    await h.close();
  });
});

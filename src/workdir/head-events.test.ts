import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ForgeEvent, PushEvent } from '../core/events.js';
import { manualClock } from '../lib/clock.js';
import { commented, pullRef, REPO, reviewRequested, user } from '../../test/support/events.js';
import { watchHeads } from './head-events.js';
import { createKnownHeads } from './known-heads.js';
import type { RepoSpec } from './types.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const ZERO = '0'.repeat(40);

function push(ref: string, before: string, after: string): PushEvent {
  return {
    type: 'push',
    forge: 'forgejo',
    repo: REPO,
    actor: user('alice'),
    fingerprint: `push:${ref}:${before}:${after}`,
    ref,
    before,
    after,
    commitCount: 1,
  };
}

function watched(maxAgeMs = 300_000) {
  const heads = createKnownHeads({ clock: manualClock(), maxAgeMs });
  const asked: Array<{ repo: RepoSpec; branch: string }> = [];
  const listener = watchHeads({ heads, fetchSoon: (repo, branch) => asked.push({ repo, branch }) });
  let id = 0;
  const tell = (...events: ForgeEvent[]) => {
    for (const event of events) listener({ id: ++id, deliveryId: `d${id}`, receivedAt: 0, event });
  };
  return { heads, asked, tell };
}

describe('heads from the forge events', () => {
  it("knows a pushed branch's head and asks for the branch in the cache", () => {
    const { heads, asked, tell } = watched();

    tell(push('refs/heads/issue-7-fix', A, B));

    assert.equal(heads.recent(REPO, 'refs/heads/issue-7-fix'), B);
    assert.deepEqual(asked, [{ repo: REPO, branch: 'issue-7-fix' }]);
  });

  it("knows a pull request's head from its events, by number and not by its head branch's name", () => {
    const { heads, asked, tell } = watched();
    tell(push('refs/heads/main', A, B));

    tell(reviewRequested(pullRef(12, { headRef: 'main', headSha: A }), 'reviewer'));

    assert.equal(heads.recent(REPO, 'refs/pull/12/head'), A);
    assert.equal(heads.recent(REPO, 'refs/heads/main'), B);
    assert.equal(asked.length, 1);
  });

  it('forgets a branch deleted by a push or a delete event, and fetches nothing for either', () => {
    const { heads, asked, tell } = watched();
    tell(push('refs/heads/gone', ZERO, A), push('refs/heads/deleted', ZERO, A));
    asked.length = 0;

    tell(push('refs/heads/gone', A, ZERO), {
      type: 'ref_deleted',
      forge: 'forgejo',
      repo: REPO,
      actor: user('alice'),
      fingerprint: 'ref_deleted:branch:deleted',
      refType: 'branch',
      ref: 'deleted',
    });

    assert.equal(heads.recent(REPO, 'refs/heads/gone'), undefined);
    assert.equal(heads.recent(REPO, 'refs/heads/deleted'), undefined);
    assert.deepEqual(asked, []);
  });

  it('forgets every head of a deleted repository', () => {
    const { heads, tell } = watched();
    tell(push('refs/heads/main', A, B));

    tell({
      type: 'repository',
      action: 'deleted',
      forge: 'forgejo',
      repo: REPO,
      actor: user('alice'),
      fingerprint: 'r',
    });

    assert.equal(heads.recent(REPO, 'refs/heads/main'), undefined);
  });

  it('ignores tags, branch names git refuses and comments, and asks for no fetch for them', () => {
    const { heads, asked, tell } = watched();
    tell(push('refs/heads/main', A, B));
    asked.length = 0;

    tell(push('refs/tags/v1', ZERO, A), push('refs/heads/bad..name', ZERO, A), commented(7, 'alice', 'hello'));

    assert.equal(heads.recent(REPO, 'refs/tags/v1'), undefined);
    assert.equal(heads.recent(REPO, 'refs/heads/bad..name'), undefined);
    assert.deepEqual(asked, []);
  });

  it('does nothing when known heads are turned off (workdir.knownHeadMaxAgeSeconds: 0)', () => {
    const { asked, tell } = watched(0);

    tell(push('refs/heads/issue-7-fix', A, B));

    assert.deepEqual(asked, []);
  });
});

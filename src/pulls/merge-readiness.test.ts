import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeReadiness, type ReviewWord } from './merge-readiness.js';
import { watchedPull } from '../../test/support/watched-pull.js';
import type { WatchedPull } from './ports.js';

const HEAD = 'a'.repeat(40);
/** dev's PR #5, its one check passed, merging when approved. */
const green: WatchedPull = watchedPull(5, {
  headSha: HEAD,
  checks: [{ context: 'ci', state: 'success', source: 'status', targetUrl: '', description: '', at: 1 }],
  merge: { kind: 'waiting' },
});
const review = (author: string, state: ReviewWord['state'], at: string, commitId = HEAD): ReviewWord => ({
  author,
  state,
  commitId,
  submittedAt: at,
});

describe('whether a green pull request may be merged', () => {
  it('may, once a person or the reviewer approved its head', () => {
    assert.deepEqual(mergeReadiness(green, 'dev', [review('reviewer', 'approved', '2026-01-01T00:00:00Z')]), {
      ready: true,
      approvedBy: 'reviewer',
    });
  });

  it('may not without any approval, nor with only its author’s own', () => {
    assert.deepEqual(mergeReadiness(green, 'dev', []), { ready: false, reason: 'an approval' });
    assert.deepEqual(mergeReadiness(green, 'dev', [review('dev', 'approved', '2026-01-01T00:00:00Z')]), {
      ready: false,
      reason: 'an approval',
    });
  });

  it('may not with an approval of an older head only', () => {
    const old = review('alice', 'approved', '2026-01-01T00:00:00Z', 'b'.repeat(40));
    assert.deepEqual(mergeReadiness(green, 'dev', [old]), { ready: false, reason: 'an approval of its current head' });
  });

  it('may not while a reviewer’s latest word is changes requested, and may once they approve after', () => {
    const asked = review('alice', 'changes_requested', '2026-01-01T00:00:00Z');
    assert.deepEqual(mergeReadiness(green, 'dev', [asked, review('reviewer', 'approved', '2026-01-01T00:01:00Z')]), {
      ready: false,
      reason: 'alice requested changes',
    });
    assert.equal(
      mergeReadiness(green, 'dev', [asked, review('alice', 'approved', '2026-01-01T00:02:00Z')]).ready,
      true,
    );
  });

  it('may not while a check has not passed', () => {
    const pending: WatchedPull = { ...green, checks: [{ ...green.checks[0]!, state: 'pending' }] };
    assert.equal(mergeReadiness(pending, 'dev', [review('alice', 'approved', '2026-01-01T00:00:00Z')]).ready, false);
  });
});

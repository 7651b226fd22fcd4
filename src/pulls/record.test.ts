import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pullRef } from '../../test/support/events.js';
import { firstRecord, withPull } from './record.js';

const watcher = { repo: 'forge.test/acme/widget', agent: 'dev', issue: 7, merging: true };

describe('a watched pull request’s record', () => {
  it('starts with no checks and no attempts, merging when the repository does', () => {
    const record = firstRecord(watcher, pullRef(12, { headRef: 'issue-7-x' }), 5);
    assert.equal(record.attempts, 0);
    assert.deepEqual(record.merge, { kind: 'waiting' });
    assert.deepEqual(firstRecord({ ...watcher, merging: false }, pullRef(12), 5).merge, { kind: 'off' });
  });

  it('forgets the checks of a head that moved and keeps the attempts', () => {
    const record = {
      ...firstRecord(watcher, pullRef(12, { headSha: 'a'.repeat(40) }), 5),
      attempts: 2,
      checks: [{ context: 'ci', state: 'failure', source: 'status', targetUrl: '', description: '', at: 1 }] as const,
    };
    const moved = withPull(record, pullRef(12, { headSha: 'b'.repeat(40) }), 6);
    assert.equal(moved.headSha, 'b'.repeat(40));
    assert.deepEqual(moved.checks, []);
    assert.equal(moved.attempts, 2);
  });

  it('says merged when the forge does', () => {
    const record = firstRecord(watcher, pullRef(12), 5);
    const merged = withPull(record, pullRef(12, { state: 'closed', merged: true }), 6);
    assert.equal(merged.state, 'merged');
    assert.deepEqual(merged.merge, { kind: 'merged', at: 6 });
    assert.equal(withPull(record, pullRef(12, { state: 'closed', merged: false }), 6).state, 'closed');
  });
});

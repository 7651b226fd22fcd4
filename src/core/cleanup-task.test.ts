import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ForgeEvent } from './events.js';
import { issueOpened, issueRef, pullRef, REPO, user } from '../../test/support/events.js';
import { cleanupFor } from './cleanup-task.js';

const base = { forge: 'forgejo' as const, repo: REPO, actor: user('alice'), fingerprint: 'f' };
const repoKey = `${REPO.host}/${REPO.owner}/${REPO.name}`.toLowerCase();

describe('which cleanup an event calls for', () => {
  const cases: Array<{ name: string; event: ForgeEvent; action: unknown; issues: unknown }> = [
    {
      name: 'a merged PR from an issue branch: its worktrees, for the PR’s key and the issue’s',
      event: {
        ...base,
        type: 'pull_request',
        action: 'closed',
        pull: pullRef(12, { headRef: 'issue-7-fix', baseRef: 'main', merged: true, state: 'closed' }),
      },
      action: { kind: 'pull-closed', number: 12, head: 'issue-7-fix', base: 'main', merged: true },
      issues: [12, 7],
    },
    {
      name: 'a PR closed unmerged from another branch: only the PR’s key',
      event: {
        ...base,
        type: 'pull_request',
        action: 'closed',
        pull: pullRef(12, { headRef: 'topic', baseRef: 'main', merged: false, state: 'closed' }),
      },
      action: { kind: 'pull-closed', number: 12, head: 'topic', base: 'main', merged: false },
      issues: [12],
    },
    {
      name: 'a branch deleted',
      event: { ...base, type: 'ref_deleted', refType: 'branch', ref: 'issue-7-fix' },
      action: { kind: 'branch-deleted', branch: 'issue-7-fix' },
      issues: [7],
    },
    {
      name: 'an issue closed',
      event: { ...base, type: 'issue', action: 'closed', issue: issueRef(7, { state: 'closed' }) },
      action: { kind: 'issue-closed', issue: 7 },
      issues: [7],
    },
    {
      name: 'an issue reopened',
      event: { ...base, type: 'issue', action: 'reopened', issue: issueRef(7) },
      action: { kind: 'issue-reopened', issue: 7 },
      issues: [7],
    },
    {
      name: 'a repository deleted: every key of it',
      event: { ...base, type: 'repository', action: 'deleted' },
      action: { kind: 'repository-deleted' },
      issues: undefined,
    },
  ];
  for (const c of cases) {
    it(`asks for cleanup on ${c.name}`, () => {
      const [decision, ...more] = cleanupFor(c.event);

      assert.deepEqual(more, []);
      assert.deepEqual(decision, { kind: 'cleanup', repo: repoKey, repoRef: REPO, issues: c.issues, action: c.action });
    });
  }

  it('asks for none on work events (an issue opened, a tag deleted, a PR opened)', () => {
    const events: ForgeEvent[] = [
      issueOpened(1),
      { ...base, type: 'ref_deleted', refType: 'tag', ref: 'v1' },
      { ...base, type: 'pull_request', action: 'opened', pull: pullRef(3) },
    ];

    assert.deepEqual(events.flatMap(cleanupFor), []);
  });
});

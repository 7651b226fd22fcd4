import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWithin, layoutOf, repoKeyOf, slug, worktreeDirOf, worktreeIdOf } from './paths.js';
import type { WorktreeTarget } from './types.js';

const repo = { host: 'forge.example.com', owner: 'Acme', name: 'App' };
const layout = layoutOf('/data');

describe('workdir paths', () => {
  it('derives the same path and id from the same key, every time', () => {
    const target: WorktreeTarget = { kind: 'issue-branch', branch: 'issue-5-x' };

    const first = worktreeDirOf(layout, repoKeyOf(repo), 'dev', target);
    const second = worktreeDirOf(layout, repoKeyOf({ ...repo }), 'dev', { ...target });

    assert.equal(first, second);
    assert.equal(worktreeIdOf(repo, 'dev', target), worktreeIdOf(repo, 'dev', { ...target }));
  });

  it('treats owner and name case-insensitively, as forges do', () => {
    assert.equal(repoKeyOf(repo), repoKeyOf({ ...repo, owner: 'acme', name: 'app' }));
  });

  it('tells apart repositories of the same name on different forges', () => {
    assert.notEqual(repoKeyOf(repo), repoKeyOf({ ...repo, host: 'other.example.com' }));
  });

  const hostile: Array<[string, string]> = [
    ['a path escape', '../../../../etc/passwd'],
    ['slashes', 'feature/a/b'],
    ['unicode', 'ünïcödé-名前'],
    ['250 characters', 'z'.repeat(250)],
    ['only dots and dashes', '.-.-'],
  ];
  for (const [what, branch] of hostile) {
    it(`keeps a branch with ${what} to one short, safe folder inside the agent's folder`, () => {
      const dir = worktreeDirOf(layout, repoKeyOf(repo), 'dev', { kind: 'issue-branch', branch });

      assert.ok(isWithin(dir, '/data/workdirs/trees/'));
      const inside = dir.slice('/data/workdirs/trees/'.length).split('/');
      assert.equal(inside.length, 3);
      assert.match(inside[2] ?? '', /^[a-z0-9][a-z0-9._-]{0,48}-[0-9a-f]{8}$/);
    });
  }

  it('gives names differing only in case or punctuation different folders', () => {
    const a = worktreeDirOf(layout, repoKeyOf(repo), 'dev', { kind: 'issue-branch', branch: 'Feature-X' });
    const b = worktreeDirOf(layout, repoKeyOf(repo), 'dev', { kind: 'issue-branch', branch: 'feature/x' });

    assert.notEqual(a, b);
  });

  it('names PR and default-branch worktrees by what they are', () => {
    assert.match(
      worktreeDirOf(layout, repoKeyOf(repo), 'reviewer', { kind: 'pr-head', number: 12 }),
      /\/reviewer\/pr-12$/,
    );
    assert.match(worktreeDirOf(layout, repoKeyOf(repo), 'boss', { kind: 'default-branch' }), /\/boss\/default-branch$/);
  });

  it('slugs to lower-case ASCII that never starts with a dot and is never empty', () => {
    assert.equal(slug('..Hidden..Name..', 32), 'hidden.name');
    assert.equal(slug('名前', 32), 'x');
  });
});

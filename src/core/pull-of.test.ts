import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commented, issueOpened, pullRef, reviewed } from '../../test/support/events.js';
import { issueOfBranch, pullOf } from './pull-of.js';

describe('issueOfBranch', () => {
  const table: ReadonlyArray<[string, number | undefined]> = [
    ['issue-7-fix-login', 7],
    ['issue-12', 12],
    ['issue-7fix', undefined],
    ['feature/issue-7-x', undefined],
    ['main', undefined],
  ];
  for (const [branch, expected] of table) {
    it(`reads ${JSON.stringify(branch)} as ${expected}`, () => {
      assert.equal(issueOfBranch(branch), expected);
    });
  }
});

describe('pullOf', () => {
  it('finds the PR of a review and of a PR comment, and none on an issue', () => {
    const pull = pullRef(12);

    assert.equal(pullOf(reviewed(pull, 'approved')), pull);
    assert.equal(pullOf(commented(12, 'alice', 'hi', { pull })), pull);
    assert.equal(pullOf(issueOpened(3)), undefined);
  });
});

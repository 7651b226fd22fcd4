import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { branchNameProblem, isCommitId, issueBranchName } from './ref-name.js';

/** What git itself says about a branch name (`git check-ref-format --branch`). */
function gitAccepts(name: string): boolean {
  return spawnSync('git', ['check-ref-format', '--branch', name], { env: { PATH: process.env.PATH } }).status === 0;
}

describe('branch names', () => {
  const names = [
    'main',
    'issue-5-persistent-workdirs',
    'feature/deep/nested',
    'release.v1.2',
    'issue-17-ünïcödé-名前',
    `issue-18-${'x'.repeat(241)}`,
    'a..b',
    '../../../etc',
    '-rf',
    'a b',
    'tab\there',
    'x.lock',
    'dir/x.lock/y',
    '.hidden',
    'dir/.hidden',
    'ends.',
    'ends/',
    '/starts',
    'double//slash',
    'at@{sign',
    'tilde~1',
    'caret^',
    'colon:x',
    'question?',
    'star*',
    'bracket[',
    'back\\slash',
    'del\x7f',
    '',
  ];

  it('accepts exactly the names git accepts as branches', () => {
    const disagreements = names.filter((name) => (branchNameProblem(name) === undefined) !== gitAccepts(name));

    assert.deepEqual(disagreements, []);
  });

  it('also refuses a name git would take but a file system could not store as a ref', () => {
    const tooLong = `issue-19-${'y'.repeat(300)}`;

    assert.ok(gitAccepts(tooLong));
    assert.match(branchNameProblem(tooLong) ?? '', /longer than 250 bytes/);
  });

  it('refuses HEAD and @, which git reads as revisions', () => {
    assert.equal(branchNameProblem('HEAD'), 'is the reserved name HEAD');
    assert.equal(branchNameProblem('@'), 'is the reserved name @');
  });
});

describe('commit ids', () => {
  const cases: Array<[string, boolean]> = [
    ['0123456789abcdef0123456789abcdef01234567', true],
    ['0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', true],
    ['0123456789ABCDEF0123456789ABCDEF01234567', false],
    ['0123456', false],
    ['HEAD', false],
    ['--upload-pack=touch /tmp/x', false],
  ];
  for (const [value, expected] of cases) {
    it(`${expected ? 'accepts' : 'refuses'} ${JSON.stringify(value.slice(0, 24))}`, () => {
      assert.equal(isCommitId(value), expected);
    });
  }
});

describe('issue branch names', () => {
  const cases: Array<[number, string, string]> = [
    [5, 'Persistent workdirs: one cached clone per repository', 'issue-5-persistent-workdirs-one-cached-clone-per'],
    [7, 'Fix ../../etc/passwd && rm -rf /', 'issue-7-fix-etc-passwd-rm-rf'],
    [8, 'Ünïcödé title', 'issue-8-unicode-title'],
    [9, '日本語', 'issue-9'],
  ];
  for (const [number, title, expected] of cases) {
    it(`names issue ${number} "${title}" ${expected}`, () => {
      const name = issueBranchName(number, title);

      assert.equal(name, expected);
      assert.equal(branchNameProblem(name), undefined);
    });
  }
});

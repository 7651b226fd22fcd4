import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualClock } from '../lib/clock.js';
import { createKnownHeads } from './known-heads.js';

const repo = { host: 'forge.test', owner: 'acme', name: 'app' };
const other = { host: 'forge.test', owner: 'acme', name: 'other' };
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const ZERO = '0'.repeat(40);
const BRANCH = 'refs/heads/issue-7-fix';

function heads(maxAgeSeconds = 300) {
  const clock = manualClock();
  return { clock, heads: createKnownHeads({ clock, maxAgeMs: maxAgeSeconds * 1000 }) };
}

/** Heads of a repository whose pushes the forge has told of (by a push to another branch). */
function heard(maxAgeSeconds = 300) {
  const made = heads(maxAgeSeconds);
  made.heads.moved(repo, 'refs/heads/elsewhere', undefined, C, 'webhook');
  return made;
}

describe('known heads', () => {
  it('knows the head a push webhook moved a branch to', () => {
    const { heads: known } = heads();

    known.moved(repo, BRANCH, A, B, 'webhook');

    assert.equal(known.recent(repo, BRANCH), B);
    assert.equal(known.recent(other, BRANCH), undefined);
  });

  it('uses nothing for a repository the forge has told of no push, whatever else said so', () => {
    const { heads: known } = heads();

    known.moved(repo, BRANCH, A, B, 'relay');
    known.seen(repo, 'refs/pull/3/head', A);
    known.fetched(repo, new Map([['refs/heads/main', C]]), [], 0);

    assert.equal(known.recent(repo, BRANCH), undefined);
    assert.equal(known.recent(repo, 'refs/pull/3/head'), undefined);
    known.moved(repo, 'refs/heads/main', undefined, C, 'webhook');
    assert.equal(known.recent(repo, BRANCH), B);
    assert.equal(known.recent(repo, 'refs/pull/3/head'), A);
  });

  it('forgets a head once it is as old as the configured age', () => {
    const { heads: known, clock } = heard(300);
    known.moved(repo, BRANCH, A, B, 'webhook');

    clock.advance(299_999);
    assert.equal(known.recent(repo, BRANCH), B);
    clock.advance(1);
    assert.equal(known.recent(repo, BRANCH), undefined);
  });

  it('keeps nothing when the age is 0', () => {
    const { heads: known } = heads(0);

    known.moved(repo, BRANCH, A, B, 'webhook');

    assert.equal(known.enabled, false);
    assert.equal(known.recent(repo, BRANCH), undefined);
  });

  it('follows pushes that follow each other, and a repeat of the last one', () => {
    const { heads: known } = heard();

    known.moved(repo, BRANCH, ZERO, A, 'webhook');
    known.moved(repo, BRANCH, A, B, 'relay');
    known.moved(repo, BRANCH, A, B, 'webhook');

    assert.equal(known.recent(repo, BRANCH), B);
  });

  it('forgets a branch when a push does not follow the head known: which of the two is late cannot be told', () => {
    const { heads: known } = heard();
    known.moved(repo, BRANCH, A, B, 'webhook');

    known.moved(repo, BRANCH, C, A, 'webhook');

    assert.equal(known.recent(repo, BRANCH), undefined);
  });

  it('forgets a branch a push deleted, and one forgotten by name', () => {
    const { heads: known } = heard();
    known.moved(repo, BRANCH, A, B, 'webhook');
    known.moved(repo, 'refs/heads/other', A, B, 'webhook');

    known.moved(repo, BRANCH, B, ZERO, 'webhook');
    known.forget(repo, 'refs/heads/other');

    assert.equal(known.recent(repo, BRANCH), undefined);
    assert.equal(known.recent(repo, 'refs/heads/other'), undefined);
  });

  it("forgets every head of a repository, and only that repository's", () => {
    const { heads: known } = heard();
    known.moved(other, 'refs/heads/main', undefined, C, 'webhook');
    known.moved(repo, BRANCH, A, B, 'webhook');

    known.forget(repo);

    assert.equal(known.recent(repo, BRANCH), undefined);
    assert.equal(known.recent(other, 'refs/heads/main'), C);
  });

  it("takes a pull request's latest head as it comes", () => {
    const { heads: known } = heard();

    known.seen(repo, 'refs/pull/3/head', A);
    known.seen(repo, 'refs/pull/3/head', B);

    assert.equal(known.recent(repo, 'refs/pull/3/head'), B);
  });

  it('learns what a fetch found as of when it started, and forgets what the forge no longer has', () => {
    const { heads: known, clock } = heard();
    known.moved(repo, BRANCH, A, B, 'webhook');
    const startedAt = clock.now();
    clock.advance(200_000);

    known.fetched(repo, new Map([['refs/heads/main', A]]), [BRANCH], startedAt);

    assert.equal(known.recent(repo, BRANCH), undefined);
    assert.equal(known.recent(repo, 'refs/heads/main'), A);
    clock.advance(100_000);
    assert.equal(known.recent(repo, 'refs/heads/main'), undefined);
  });

  it('forgets a head learned while a fetch ran that the fetch did not see: either may be the newer', () => {
    const { heads: known, clock } = heard();
    const startedAt = clock.now();
    clock.advance(10);
    known.moved(repo, BRANCH, A, C, 'webhook');
    known.moved(repo, 'refs/heads/main', A, B, 'webhook');

    known.fetched(
      repo,
      new Map([
        [BRANCH, B],
        ['refs/heads/main', B],
      ]),
      [],
      startedAt,
    );

    assert.equal(known.recent(repo, BRANCH), undefined);
    assert.equal(known.recent(repo, 'refs/heads/main'), B);
  });

  it('lets a fetch replace a head learned before it started', () => {
    const { heads: known, clock } = heard();
    known.moved(repo, BRANCH, A, B, 'webhook');
    clock.advance(10);

    known.fetched(repo, new Map([[BRANCH, C]]), [], clock.now());

    assert.equal(known.recent(repo, BRANCH), C);
  });

  it('ignores what git would not accept as a branch, other refs, and what is not a full commit id', () => {
    const { heads: known } = heard();
    const table: Array<readonly [string, string]> = [
      ['refs/heads/../../etc', A],
      ['refs/heads/has space', A],
      ['refs/heads/x.lock', A],
      ['refs/tags/v1', A],
      ['refs/pull/0/head', A],
      ['refs/pull/x/head', A],
      [BRANCH, 'abc123'],
      [BRANCH, 'A'.repeat(40)],
    ];

    for (const [ref, sha] of table) {
      known.moved(repo, ref, undefined, sha, 'webhook');
      known.seen(repo, ref, sha);
      known.fetched(repo, new Map([[ref, sha]]), [], 0);
    }

    for (const [ref] of table) assert.equal(known.recent(repo, ref), undefined, ref);
  });

  it('drops the least recently learned heads past its size', () => {
    const clock = manualClock();
    const known = createKnownHeads({ clock, maxAgeMs: 300_000, maxEntries: 2 });
    known.moved(repo, 'refs/heads/one', undefined, A, 'webhook');
    known.moved(repo, 'refs/heads/two', undefined, B, 'webhook');

    known.moved(repo, 'refs/heads/one', A, C, 'webhook');
    known.moved(repo, 'refs/heads/three', undefined, A, 'webhook');

    assert.equal(known.recent(repo, 'refs/heads/two'), undefined);
    assert.equal(known.recent(repo, 'refs/heads/one'), C);
    assert.equal(known.recent(repo, 'refs/heads/three'), A);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { watchedPull } from '../../test/support/watched-pull.js';
import type { WatchedPull } from './ports.js';
import { type CheckResult, moveHead, takeCheck } from './take-check.js';

const HEAD = 'a'.repeat(40);
const OLD = 'b'.repeat(40);
const NEXT = 'c'.repeat(40);

/** dev's PR #5, open on HEAD, nothing tried yet. */
const pull = (fields: Partial<WatchedPull> = {}): WatchedPull => watchedPull(5, { headSha: HEAD, ...fields });

const result = (fields: Partial<CheckResult> = {}): CheckResult => ({
  sha: HEAD,
  context: 'ci / test (pull_request)',
  state: 'failure',
  source: 'status',
  targetUrl: 'https://forge.test/acme/widget/actions/runs/3/jobs/0',
  description: 'Failing after 12s',
  runId: 7,
  at: 1000,
  ...fields,
});

const settings = { cap: 3, required: undefined };

describe('taking a check result into a watched pull request', () => {
  it('wakes the author on the first failure of its head, as fix attempt 1', () => {
    const taken = takeCheck(pull(), result(), settings, 5);
    assert.deepEqual(taken.verdict, { kind: 'wake', attempt: 1, more: false });
    assert.equal(taken.pull.attempts, 1);
    assert.deepEqual(taken.pull.woken, [HEAD]);
  });

  it('ignores a result for another commit than the head, saying which', () => {
    const taken = takeCheck(pull(), result({ sha: OLD }), settings, 5);
    assert.equal(taken.verdict.kind, 'ignore');
    assert.match(taken.pull.ignored[0]?.reason ?? '', /not the head of #5/);
    assert.equal(taken.pull.attempts, 0);
  });

  it('tells a second failed check of a woken head as more of the same attempt, and each check once', () => {
    const first = takeCheck(pull(), result(), settings, 5).pull;
    const second = takeCheck(first, result({ context: 'lint', at: 1100 }), settings, 6);
    assert.deepEqual(second.verdict, { kind: 'wake', attempt: 1, more: true });
    assert.equal(second.pull.attempts, 1);
    const again = takeCheck(second.pull, result({ context: 'lint', at: 1200 }), settings, 7);
    assert.equal(again.verdict.kind, 'quiet');
  });

  it('says the cap once when the attempts are used up, and stays quiet after', () => {
    let watched = pull({ attempts: 3, woken: [OLD] });
    const capped = takeCheck(watched, result(), settings, 5);
    assert.deepEqual(capped.verdict, { kind: 'cap' });
    watched = moveHead(capped.pull, NEXT, 6);
    const after = takeCheck(watched, result({ sha: NEXT }), settings, 7);
    assert.equal(after.verdict.kind, 'quiet');
  });

  it('reruns once a check that passed on this very head, marks it flaky when the rerun passes', () => {
    const passed = takeCheck(pull(), result({ state: 'success', at: 900 }), settings, 5).pull;
    const suspect = takeCheck(passed, result({ at: 1000 }), settings, 6);
    assert.deepEqual(suspect.verdict, { kind: 'rerun', context: 'ci / test (pull_request)', run: 7 });
    assert.equal(suspect.pull.attempts, 0, 'no attempt is used for a rerun');
    const green = takeCheck(suspect.pull, result({ state: 'success', at: 1100 }), settings, 7);
    assert.deepEqual(green.verdict, { kind: 'green' });
    assert.deepEqual(green.pull.flaky, ['ci / test (pull_request)']);
  });

  it('wakes the author when the rerun fails again', () => {
    const passed = takeCheck(pull(), result({ state: 'success', at: 900 }), settings, 5).pull;
    const suspect = takeCheck(passed, result({ at: 1000 }), settings, 6).pull;
    const again = takeCheck(suspect, result({ at: 1100 }), settings, 7);
    assert.deepEqual(again.verdict, { kind: 'wake', attempt: 1, more: false });
  });

  it('with branch protection naming the required checks, ignores any other', () => {
    const taken = takeCheck(pull(), result({ context: 'docs' }), { cap: 3, required: ['ci / test (pull_request)'] }, 5);
    assert.deepEqual(taken.verdict, { kind: 'ignore', reason: 'docs is not a required check' });
  });

  it('ignores a result older than the one recorded for the check', () => {
    const recorded = takeCheck(pull(), result({ state: 'pending', at: 2000 }), settings, 5).pull;
    const late = takeCheck(recorded, result({ at: 1000 }), settings, 6);
    assert.equal(late.verdict.kind, 'ignore');
  });

  it('is green only once every check on the head passed', () => {
    const one = takeCheck(pull(), result({ state: 'success' }), settings, 5).pull;
    const pending = takeCheck(one, result({ context: 'lint', state: 'pending' }), settings, 6);
    assert.equal(pending.verdict.kind, 'recorded');
    const both = takeCheck(pending.pull, result({ context: 'lint', state: 'success', at: 1200 }), settings, 7);
    assert.equal(both.verdict.kind, 'green');
  });

  it('forgets the checks of a head that moved, keeping the attempts', () => {
    const woken = takeCheck(pull(), result(), settings, 5).pull;
    const moved = moveHead(woken, NEXT, 6);
    assert.deepEqual(moved.checks, []);
    assert.equal(moved.attempts, 1);
    assert.deepEqual(takeCheck(moved, result({ sha: NEXT }), settings, 7).verdict, {
      kind: 'wake',
      attempt: 2,
      more: false,
    });
  });
});
